/* SPDX-License-Identifier: BSD-2-Clause */
/* synq httpd: the server on the host kernel's sockets.
 *
 * This file is the driver: it owns the clock (CLOCK_MONOTONIC for
 * deadlines, CLOCK_REALTIME for the wall offset of dates), sleeps in
 * epoll_wait() until the server's next deadline, and hands the server
 * the time after every wake-up. SIGINT and SIGTERM end the loop; the
 * server then closes every socket and the access log is flushed.
 *
 *   synq httpd --kernel --listen 127.0.0.1:8080 [--mpm prefork|event]
 *              [--config FILE] [--set Directive=Value]... [--access-log FILE]
 *              [--duration SECONDS]
 *
 * A config file holds one Apache-style directive per line ("KeepAlive
 * Off", "RequestReadTimeout header=20-40,MinRate=500"); # starts a
 * comment. --set lines apply after the file, in order. The LISTENQ
 * environment variable replaces ListenBacklog, as UNP's Listen() does. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/httpd.h"
#include "cli/cli.h"

#define CMD "httpd"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static synq_time_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (synq_time_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: synq httpd --kernel [--listen ADDR:PORT] [--mpm prefork|event]\n"
	        "                  [--config FILE] [--set Directive=Value]...\n"
	        "                  [--access-log FILE] [--duration SECONDS]\n"
	        "Apache's scoreboard server on the host kernel's sockets; status at\n"
	        "/server-status, /server-status?auto and /nginx_status.\n"
	        "Directives (Apache/nginx names): Listen ListenBacklog AcceptFilter deferred\n"
	        "  MaxRequestWorkers worker_processes worker_connections Timeout KeepAlive\n"
	        "  KeepAliveTimeout MaxKeepAliveRequests RequestReadTimeout MaxConnPerIP\n"
	        "  LimitRequestLine LimitRequestFields LimitRequestFieldSize LimitRequestBody\n"
	        "  LingeringClose ExtendedStatus AccessLog ResponseBytes ServiceTime Seed\n"
	        "  ServerName MPM. LISTENQ in the environment overrides ListenBacklog.\n");
}

static void log_line(void *ctx, const char *line, size_t len)
{
	fwrite(line, 1, len, (FILE *)ctx);
}

int cli_httpd(int argc, char **argv)
{
	struct synq_httpd_config cfg;
	synq_httpd_config_default(&cfg);
	cfg.listen_port = 8080;
	const char *log_path = NULL;
	uint64_t duration_s = 0;
	bool kernel = false;
	int matched;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (!strcmp(argv[i], "--kernel")) {
			kernel = true;
		} else if ((matched = cli_httpd_option(argc, argv, &i, CMD, &cfg)) != 0) {
			if (matched < 0)
				return CLI_EXIT_USAGE;
		} else if (cli_option_match(argc, argv, &i, CMD, "--access-log", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			log_path = v;
		} else if (cli_option_match(argc, argv, &i, CMD, "--duration", &v)) {
			if (v == NULL || !cli_parse_u64(CMD, "--duration", v, &duration_s))
				return CLI_EXIT_USAGE;
		} else {
			fprintf(stderr, "synq %s: unknown option '%s'\n", CMD, argv[i]);
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (!kernel) {
		fprintf(stderr, "synq %s: give --kernel (the host kernel's sockets; synq stacks "
		                "run it through the simulator and synq serve)\n", CMD);
		return CLI_EXIT_USAGE;
	}
	const char *listenq = getenv("LISTENQ");
	if (synq_httpd_config_listenq(&cfg, listenq)) {
		fprintf(stderr, "synq %s: LISTENQ \"%s\" is not a backlog\n", CMD, listenq);
		return CLI_EXIT_USAGE;
	}
	FILE *log = NULL;
	if (log_path) {
		log = fopen(log_path, "a");
		if (log == NULL) {
			fprintf(stderr, "synq %s: %s: %s\n", CMD, log_path, strerror(errno));
			return CLI_EXIT_FAILURE;
		}
		setvbuf(log, NULL, _IOFBF, 1 << 16);
	}
	struct synq_httpd_hooks hooks = { .ctx = log, .access_log = log ? log_line : NULL };
	struct synq_httpd *h;
	int err = synq_httpd_new(&h, &cfg, &hooks);
	if (err) {
		fprintf(stderr, "synq %s: bad configuration: %s\n", CMD, strerror(-err));
		if (log)
			fclose(log);
		return CLI_EXIT_USAGE;
	}
	err = synq_httpd_attach_kernel(h);
	if (err) {
		fprintf(stderr, "synq %s: listen on port %u: %s\n", CMD, cfg.listen_port,
		        strerror(-err));
		synq_httpd_free(h);
		if (log)
			fclose(log);
		return CLI_EXIT_FAILURE;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	synq_time_t start = clock_ns(CLOCK_MONOTONIC);
	synq_httpd_set_wall_offset(h, clock_ns(CLOCK_REALTIME) - start);
	synq_httpd_poll(h, start);
	synq_time_t end = duration_s ? start + SYNQ_SEC((int64_t)duration_s) : SYNQ_TIME_NEVER;
	fprintf(stderr, "synq %s: %s model listening on port %u\n", CMD,
	        cfg.mpm == SYNQ_HTTPD_EVENT ? "event" : "prefork", synq_httpd_port(h));
	while (!stop_requested) {
		synq_time_t now = clock_ns(CLOCK_MONOTONIC);
		if (now >= end)
			break;
		synq_time_t dl = synq_httpd_next_deadline(h);
		if (end < dl)
			dl = end;
		int timeout_ms = 1000;
		if (dl != SYNQ_TIME_NEVER) {
			synq_time_t wait = dl - now;
			timeout_ms = wait <= 0 ? 0 : (int)((wait + SYNQ_MSEC(1) - 1) / SYNQ_MSEC(1));
			if (timeout_ms > 1000)
				timeout_ms = 1000;
		}
		int n = synq_httpd_kernel_wait(h, timeout_ms);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "synq %s: epoll_wait: %s\n", CMD, strerror(-n));
			break;
		}
		synq_httpd_poll(h, clock_ns(CLOCK_MONOTONIC));
	}
	struct synq_httpd_counters c;
	synq_httpd_counters(h, &c);
	fprintf(stderr, "synq %s: stopping: %llu connections, %llu requests\n", CMD,
	        (unsigned long long)c.accepts, (unsigned long long)c.requests);
	synq_httpd_free(h);
	if (log)
		fclose(log);
	return CLI_EXIT_OK;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* synq serve: the stack and synq httpd on a TUN device in a network
 * namespace, for real clients (curl, wrk, ab, hping3, slowhttptest) started
 * with ip netns exec. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/httpd.h"
#include "cli/cli.h"
#include "drivers/serve.h"
#include "drivers/tun.h"

#define CMD "serve"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: synq serve [--netns NAME] [--addr A/PREFIX] [--port P]\n"
	        "                  [--mpm prefork|event] [--config FILE] [--set Directive=Value]...\n"
	        "                  [--sysctl NAME=VALUE]... [--link delay=..,loss=..,rate=..,queue=..]\n"
	        "                  [--pcap FILE] [--access-log FILE] [--duration SECONDS]\n\n"
	        "Runs a synq stack and synq httpd on a TUN device in network namespace NAME\n"
	        "(default synq; created if missing, and then removed at exit). synq takes\n"
	        "address A (default 10.200.0.2/24), the kernel side of the TUN the first host\n"
	        "address of the prefix (10.200.0.1), so `ip netns exec NAME curl http://A/`\n"
	        "reaches synq. Never touches the host's own interfaces.\n\n"
	        "  --port P            HTTP port (default 80)\n"
	        "  --sysctl N=V        a stack setting by its Linux name, e.g.\n"
	        "                      net.ipv4.tcp_syncookies=0 (repeatable)\n"
	        "  --link SPEC         impair both directions in the driver (the kernel has\n"
	        "                      no netem): delay=20ms,loss=1%%,rate=10mbit,queue=1000\n"
	        "  --pcap FILE         every packet synq sends and receives\n"
	        "  --access-log FILE   Combined Log Format\n"
	        "  --duration S        stop after S seconds (default: at SIGINT/SIGTERM)\n"
	        "Server directives as for synq httpd (--set KeepAlive=Off, ...); status at\n"
	        "/server-status, /server-status?auto and /nginx_status.\n");
}

int cli_serve(int argc, char **argv)
{
	struct serve_config c = { .netns = "synq", .ifname = "synq0", .prefix = 24 };
	synq_config_default(&c.stack);
	/* a server on a real link: room for a flood's requests and a busy day */
	c.stack.max_requests = 65536;
	c.stack.max_time_wait = 65536;
	synq_httpd_config_default(&c.httpd);
	c.httpd.listen_port = 80;
	const char *addr = "10.200.0.2/24", *log_path = NULL;
	uint64_t port = 0, duration = 0;
	int matched;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if ((matched = cli_httpd_option(argc, argv, &i, CMD, &c.httpd)) != 0) {
			if (matched < 0)
				return CLI_EXIT_USAGE;
		} else if (cli_option_match(argc, argv, &i, CMD, "--netns", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			c.netns = v;
		} else if (cli_option_match(argc, argv, &i, CMD, "--addr", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			addr = v;
		} else if (cli_option_match(argc, argv, &i, CMD, "--port", &v)) {
			if (v == NULL || !cli_parse_u64(CMD, "--port", v, &port))
				return CLI_EXIT_USAGE;
			if (port < 1 || port > 65535) {
				fprintf(stderr, "synq serve: --port must be 1..65535, not '%s'\n", v);
				return CLI_EXIT_USAGE;
			}
			c.httpd.listen_port = (uint16_t)port;
		} else if (cli_option_match(argc, argv, &i, CMD, "--sysctl", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			char key[128];
			const char *eq = strchr(v, '=');
			if (eq == NULL || eq == v || (size_t)(eq - v) >= sizeof key) {
				fprintf(stderr, "synq serve: --sysctl wants NAME=VALUE, not '%s'\n", v);
				return CLI_EXIT_USAGE;
			}
			memcpy(key, v, (size_t)(eq - v));
			key[eq - v] = '\0';
			enum synq_config_result r = synq_config_set(&c.stack, key, eq + 1);
			if (r != SYNQ_CONFIG_OK) {
				fprintf(stderr, "synq serve: --sysctl %s: %s\n", v,
				        r == SYNQ_CONFIG_UNKNOWN_KEY ? "unknown setting"
				        : r == SYNQ_CONFIG_IGNORED ? "a Linux setting synq does not model"
				                                   : "bad value");
				return CLI_EXIT_USAGE;
			}
		} else if (cli_option_match(argc, argv, &i, CMD, "--link", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			const char *bad = impair_parse(v, &c.link);
			if (bad) {
				fprintf(stderr, "synq serve: --link %s: %s\n", v, bad);
				return CLI_EXIT_USAGE;
			}
			c.impaired = true;
		} else if (cli_option_match(argc, argv, &i, CMD, "--pcap", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			c.pcap_path = v;
		} else if (cli_option_match(argc, argv, &i, CMD, "--access-log", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			log_path = v;
		} else if (cli_option_match(argc, argv, &i, CMD, "--duration", &v)) {
			if (v == NULL || !cli_parse_u64(CMD, "--duration", v, &duration))
				return CLI_EXIT_USAGE;
			c.duration_s = (double)duration;
		} else {
			fprintf(stderr, "synq serve: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (tun_parse_prefix(addr, &c.addr, &c.prefix)) {
		fprintf(stderr, "synq serve: --addr wants A/PREFIX (prefix 8..30), not '%s'\n", addr);
		return CLI_EXIT_USAGE;
	}
	uint32_t mask = ~0u << (32 - c.prefix);
	c.kernel_addr = (c.addr & mask) + 1;
	if (c.kernel_addr == c.addr) {
		fprintf(stderr, "synq serve: --addr %s is the prefix's first host address, which "
		                "the kernel side takes; pick another\n", addr);
		return CLI_EXIT_USAGE;
	}
	if ((c.addr & ~mask) == ~mask || (c.addr & ~mask) == 0) {
		fprintf(stderr, "synq serve: --addr %s is not a host address of its prefix\n", addr);
		return CLI_EXIT_USAGE;
	}
	const char *listenq = getenv("LISTENQ");
	if (synq_httpd_config_listenq(&c.httpd, listenq)) {
		fprintf(stderr, "synq serve: LISTENQ \"%s\" is not a backlog\n", listenq);
		return CLI_EXIT_USAGE;
	}
	if (log_path) {
		c.access_log = fopen(log_path, "a");
		if (c.access_log == NULL) {
			fprintf(stderr, "synq serve: %s: %s\n", log_path, strerror(errno));
			return CLI_EXIT_FAILURE;
		}
	}
	int rc = serve_run(&c, stdout, stderr);
	if (c.access_log)
		fclose(c.access_log);
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* synq httpd's benchmarks.
 *
 *   httpd_requests_per_s   two synq stacks in one process, no simulator:
 *                          the event-model server on one, 64 kept-alive
 *                          client connections on the other, each sending
 *                          its next GET as soon as the 100-byte reply is
 *                          in; median of 5 runs of REQS requests
 *   httpd_kernel_requests_per_s vs nginx_requests_per_s
 *                          synq httpd --kernel (event, one worker) and
 *                          nginx (one worker) serving the same 100-byte
 *                          reply on loopback, access log on for both
 *                          (64 KiB buffered), each under the same wrk run
 *                          (-t1 -c64 -d5s); median of 3 alternating runs
 *   bytes_per_idle_http_conn
 *                          memory of an idle kept-alive connection in the
 *                          event model, its share of the server's tables
 *                          included, the TCP connection excluded
 *
 * Wiring of the in-process pair: each stack's io.output appends to a FIFO
 * that the other stack reads; a virtual clock moves a microsecond per
 * round and jumps to the next deadline when nothing else can progress.
 * The FIFO is a loopback: as Linux trusts a datagram that came over lo
 * (CHECKSUM_UNNECESSARY), the receiving stack takes what the other synq
 * stack built without summing its TCP checksum again
 * (synq_stack_input_verified(), as the simulator does between synq hosts).
 * Keep-alive is unlimited there (MaxKeepAliveRequests 0); on the kernel
 * both servers allow 1000 requests a connection (nginx's default). */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/httpd.h"
#include "bench.h"
#include "synq/config.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define ROUNDS 5
#define CONNS 64
#define REQS 200000
#define WALL_LIMIT_S 30.0
#define CLIENT_ADDR 0x0a000001u
#define SERVER_ADDR 0x0a000002u
#define PORT 80

/* ------------------------------------------------------------ the FIFO */

#define SLOT_BYTES 1536
#define SLOTS (1u << 14)

struct wire {
	uint8_t *buf;
	uint16_t *len;
	uint32_t head, tail;
	uint64_t dropped;
};

static void wire_out(void *ctx, const uint8_t *d, size_t len)
{
	struct wire *w = ctx;
	if (w->tail - w->head == SLOTS || len > SLOT_BYTES) {
		w->dropped++;
		return;
	}
	uint32_t i = w->tail++ % SLOTS;
	memcpy(w->buf + (size_t)i * SLOT_BYTES, d, len);
	w->len[i] = (uint16_t)len;
}

static bool wire_deliver(struct wire *w, struct synq_stack *to, synq_time_t now)
{
	bool any = false;
	while (w->head != w->tail) {
		uint32_t i = w->head++ % SLOTS;
		synq_stack_input_verified(to, w->buf + (size_t)i * SLOT_BYTES, w->len[i], now);
		any = true;
	}
	return any;
}

/* ------------------------------------------------------- in-process run */

static const char request[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

static double run_pair(uint64_t *out_reqs)
{
	struct wire to_server = { 0 }, to_client = { 0 };
	struct wire *ws[2] = { &to_server, &to_client };
	for (int k = 0; k < 2; k++) {
		ws[k]->buf = malloc((size_t)SLOTS * SLOT_BYTES);
		ws[k]->len = malloc(SLOTS * sizeof *ws[k]->len);
	}
	struct synq_config cfg;
	synq_config_default(&cfg);
	struct synq_stack *cs, *ss;
	struct synq_stack_io cio = { .output = wire_out, .ctx = &to_server };
	struct synq_stack_io sio = { .output = wire_out, .ctx = &to_client };
	if (synq_stack_new(&cs, &cfg, CLIENT_ADDR, 1, &cio) || synq_stack_new(&ss, &cfg, SERVER_ADDR, 2, &sio)) {
		fprintf(stderr, "bench_httpd: stack creation failed\n");
		exit(1);
	}
	struct synq_httpd_config hc;
	synq_httpd_config_default(&hc);
	hc.mpm = SYNQ_HTTPD_EVENT;
	hc.listen_port = PORT;
	hc.max_keep_alive_requests = 0;
	hc.access_log = false;
	struct synq_httpd *h;
	synq_time_t now = SYNQ_SEC(1);
	if (synq_httpd_new(&h, &hc, NULL) || synq_httpd_attach_stack(h, ss, now)) {
		fprintf(stderr, "bench_httpd: server setup failed\n");
		exit(1);
	}
	int fd[CONNS];
	size_t got[CONNS] = { 0 };
	bool sent[CONNS] = { false };
	size_t reply_len = 0;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
	                          .sin_addr.s_addr = htonl(SERVER_ADDR) };
	for (int i = 0; i < CONNS; i++) {
		fd[i] = synq_socket(cs, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		synq_connect(cs, fd[i], (struct sockaddr *)&to, sizeof to);
	}
	uint64_t done = 0, issued = 0;
	double t0 = bench_now_s();
	uint8_t buf[65536];
	while (done < REQS) {
		now += SYNQ_USEC(1);
		bool moved = wire_deliver(&to_server, ss, now);
		synq_httpd_poll(h, now);
		moved |= wire_deliver(&to_client, cs, now);
		for (int i = 0; i < CONNS; i++) {
			if (!sent[i] && issued < REQS) {
				if (synq_write(cs, fd[i], request, sizeof request - 1) > 0) {
					sent[i] = true;
					issued++;
					moved = true;
				}
			}
			ssize_t n;
			while ((n = synq_read(cs, fd[i], buf, sizeof buf)) > 0) {
				if (reply_len == 0) {
					const char *e = strstr((const char *)buf, "\r\n\r\n");
					reply_len = (size_t)(e - (const char *)buf) + 4 + 100;
				}
				got[i] += (size_t)n;
				moved = true;
			}
			while (reply_len && got[i] >= reply_len) {
				got[i] -= reply_len;
				sent[i] = false;
				done++;
			}
		}
		if (!moved) {
			synq_time_t d = synq_stack_next_deadline(cs);
			synq_time_t d2 = synq_stack_next_deadline(ss);
			if (d2 < d)
				d = d2;
			if (d != SYNQ_TIME_NEVER && d > now)
				now = d;
			synq_stack_advance(cs, now);
			synq_stack_advance(ss, now);
		}
		if (bench_now_s() - t0 > WALL_LIMIT_S) {
			fprintf(stderr, "bench_httpd: run hung at %llu requests\n",
			        (unsigned long long)done);
			exit(1);
		}
	}
	double dt = bench_now_s() - t0;
	*out_reqs = done;
	synq_httpd_free(h);
	synq_stack_free(cs);
	synq_stack_free(ss);
	for (int k = 0; k < 2; k++) {
		free(ws[k]->buf);
		free(ws[k]->len);
	}
	return (double)done / dt;
}

/* --------------------------------------------------------- kernel runs */

static bool have(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Start argv in the background; its pid. */
static pid_t spawn(char *const argv[], const char *err_path)
{
	pid_t pid = fork();
	if (pid == 0) {
		FILE *e = freopen(err_path, "w", stderr);
		(void)e;
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static double wrk_run(int port)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd,
	         "wrk -t1 -c64 -d5s http://127.0.0.1:%d/index.html 2>/dev/null | "
	         "sed -n 's/^Requests\\/sec: *//p'", port);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return 0;
	double v = 0;
	if (fscanf(p, "%lf", &v) != 1)
		v = 0;
	pclose(p);
	return v;
}

static void kernel_vs_nginx(const char *synq_bin)
{
	if (!have("/usr/sbin/nginx") || !have("/usr/bin/wrk") || !have(synq_bin)) {
		printf("skip: httpd_kernel_requests_per_s needs /usr/sbin/nginx, /usr/bin/wrk and %s\n",
		       synq_bin);
		return;
	}
	char dir[] = "/tmp/synq-httpd-bench.XXXXXX";
	if (mkdtemp(dir) == NULL)
		return;
	char path[512], conf[1024];
	snprintf(path, sizeof path, "%s/index.html", dir);
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 100; i++)
		fputc('x', f);
	fclose(f);
	int nport = 18000 + (int)(getpid() % 1000) * 2, sport = nport + 1;
	snprintf(conf, sizeof conf,
	         "worker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
	         "events { worker_connections 512; }\n"
	         "http { access_log %s/access.log combined buffer=64k; keepalive_requests 1000;\n"
	         "  server { listen 127.0.0.1:%d; root %s; } }\n",
	         dir, dir, dir, nport, dir);
	snprintf(path, sizeof path, "%s/nginx.conf", dir);
	f = fopen(path, "w");
	fputs(conf, f);
	fclose(f);
	char nerr[512], serr[512], listen[64], slog[512];
	snprintf(nerr, sizeof nerr, "%s/nginx.err", dir);
	snprintf(serr, sizeof serr, "%s/synq.err", dir);
	snprintf(slog, sizeof slog, "%s/synq-access.log", dir);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", sport);
	char *nargv[] = { "/usr/sbin/nginx", "-p", dir, "-c", path, NULL };
	char *sargv[] = { (char *)synq_bin, "httpd", "--kernel", "--mpm", "event", "--listen",
	                  listen, "--set", "MaxKeepAliveRequests=1000", "--access-log", slog,
	                  "--duration", "60", NULL };
	pid_t np = spawn(nargv, nerr);
	pid_t sp = spawn(sargv, serr);
	usleep(500000);
	double n[3], s[3];
	for (int r = 0; r < 3; r++) {
		n[r] = wrk_run(nport);
		s[r] = wrk_run(sport);
	}
	kill(np, SIGTERM);
	kill(sp, SIGTERM);
	waitpid(np, NULL, 0);
	waitpid(sp, NULL, 0);
	double nm = bench_median(n, 3), sm = bench_median(s, 3);
	if (nm <= 0 || sm <= 0) {
		printf("skip: a wrk run failed (nginx %.0f, synq %.0f req/s); see %s\n", nm, sm, dir);
		return;
	}
	bench_line("nginx_requests_per_s", nm, "req/s");
	bench_line_vs("httpd_kernel_requests_per_s", sm, "req/s", "nginx_requests_per_s", nm);
	char rm[600];
	snprintf(rm, sizeof rm, "rm -rf %s", dir);
	if (system(rm) != 0)
		fprintf(stderr, "bench_httpd: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	(void)argc;
	double v[ROUNDS];
	uint64_t reqs = 0;
	for (int r = 0; r < ROUNDS; r++)
		v[r] = run_pair(&reqs);
	bench_line("httpd_requests_per_s", bench_median(v, ROUNDS), "req/s");
	bench_line("bytes_per_idle_http_conn", (double)synq_httpd_idle_conn_bytes(), "bytes");
	/* the synq binary sits beside bench/ in the build directory */
	char synq_bin[512];
	snprintf(synq_bin, sizeof synq_bin, "%s", argv[0]);
	char *slash = strrchr(synq_bin, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(synq_bin, '/');
	if (slash)
		*slash = '\0';
	strncat(synq_bin, "/synq", sizeof synq_bin - strlen(synq_bin) - 1);
	kernel_vs_nginx(synq_bin);
	return 0;
}

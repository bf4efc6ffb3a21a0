/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE
#include "drivers/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "drivers/tun.h"
#include "synq/pcap.h"
#include "synq/stack.h"

#define BATCH 256

struct serve {
	const struct serve_config *cfg;
	int tun;
	struct synq_stack *stack;
	struct synq_httpd *httpd;
	struct impair in, out;        /* kernel -> synq, synq -> kernel */
	struct synq_pcap *pcap;
	int64_t wall_offset;
	synq_time_t now;
	uint64_t rx, tx, tx_errors, rx_bad;
};

static synq_time_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (synq_time_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void capture(struct serve *s, const uint8_t *pkt, size_t len)
{
	if (s->pcap)
		synq_pcap_write(s->pcap, s->now + s->wall_offset, pkt, len);
}

static void to_kernel(void *ctx, const uint8_t *pkt, size_t len)
{
	struct serve *s = ctx;
	if (write(s->tun, pkt, len) == (ssize_t)len)
		s->tx++;
	else
		s->tx_errors++; /* the kernel's queue is full: a lost packet, as on a wire */
}

static void stack_output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct serve *s = ctx;
	capture(s, pkt, len);
	if (s->cfg->impaired)
		impair_push(&s->out, pkt, len, s->now);
	else
		to_kernel(s, pkt, len);
}

/* A packet read late (the loop woke for it, or for the deadline it came
 * with) still meets the timers due before it first: the kernel runs a
 * tick's timers before the packets they make its peers send, so a request
 * that expires on that tick frees its slot for the SYN a client's
 * retransmission timer sent on the same tick. */
static void to_stack(void *ctx, const uint8_t *pkt, size_t len)
{
	struct serve *s = ctx;
	capture(s, pkt, len);
	if (synq_stack_next_deadline(s->stack) <= s->now)
		synq_stack_advance(s->stack, s->now);
	synq_stack_input(s->stack, pkt, len, s->now);
}

static void stack_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "synq serve: stack: %s\n", line);
}

static void access_log(void *ctx, const char *line, size_t len)
{
	fwrite(line, 1, len, (FILE *)ctx);
}

static synq_time_t earliest(synq_time_t a, synq_time_t b)
{
	return a < b ? a : b;
}

/* Read what the kernel sent to synq, up to one batch. */
static void drain_tun(struct serve *s)
{
	static uint8_t buf[65536];
	for (int i = 0; i < BATCH; i++) {
		ssize_t n = read(s->tun, buf, sizeof buf);
		if (n <= 0)
			return;
		s->rx++;
		s->now = clock_ns(CLOCK_MONOTONIC);
		if (s->cfg->impaired)
			impair_push(&s->in, buf, (size_t)n, s->now);
		else
			to_stack(s, buf, (size_t)n);
	}
}

static void run_due(struct serve *s)
{
	s->now = clock_ns(CLOCK_MONOTONIC);
	if (s->cfg->impaired)
		impair_release(&s->in, s->now, to_stack, s);
	if (synq_stack_next_deadline(s->stack) <= s->now)
		synq_stack_advance(s->stack, s->now);
	synq_httpd_poll(s->httpd, s->now);
	if (s->cfg->impaired)
		impair_release(&s->out, s->now, to_kernel, s);
}

static synq_time_t next_deadline(const struct serve *s)
{
	synq_time_t t = earliest(synq_stack_next_deadline(s->stack),
	                         synq_httpd_next_deadline(s->httpd));
	if (s->cfg->impaired)
		t = earliest(t, earliest(impair_next(&s->in), impair_next(&s->out)));
	return t;
}

static void report(const struct serve *s, FILE *out)
{
	const struct synq_mib *mib = synq_stack_mib(s->stack);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(out, "synq serve: stopped: %llu packets in, %llu out (%llu not written), "
	             "peak resident %ld kB\n",
	        (unsigned long long)s->rx, (unsigned long long)s->tx,
	        (unsigned long long)s->tx_errors, ru.ru_maxrss);
	static const enum synq_mib_counter shown[] = {
		SYNQ_MIB_TcpPassiveOpens, SYNQ_MIB_TcpExtSyncookiesSent,
		SYNQ_MIB_TcpExtSyncookiesRecv, SYNQ_MIB_TcpExtSyncookiesFailed,
		SYNQ_MIB_TcpExtListenOverflows, SYNQ_MIB_TcpExtListenDrops,
		SYNQ_MIB_TcpExtTCPReqQFullDrop, SYNQ_MIB_TcpExtTCPReqQFullDoCookies,
		SYNQ_MIB_TcpRetransSegs,
	};
	struct synq_stack_usage u;
	synq_stack_usage(s->stack, &u);
	fprintf(out, "synq serve: tables: connections %u/%u (%llu overflows), requests %u/%u "
	             "(%llu), time-wait %u/%u (%llu)\n",
	        u.connections.used, u.connections.capacity,
	        (unsigned long long)u.connections.overflows, u.requests.used, u.requests.capacity,
	        (unsigned long long)u.requests.overflows, u.time_wait.used, u.time_wait.capacity,
	        (unsigned long long)u.time_wait.overflows);
	fprintf(out, "synq serve: counters:");
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		fprintf(out, " %s=%llu", synq_mib_name(shown[i]),
		        (unsigned long long)mib->value[shown[i]]);
	fprintf(out, "\n");
	if (s->cfg->impaired)
		fprintf(out, "synq serve: link: in: passed %llu, lost %llu, dropped %llu; "
		             "out: passed %llu, lost %llu, dropped %llu\n",
		        (unsigned long long)s->in.stats.passed, (unsigned long long)s->in.stats.lost,
		        (unsigned long long)(s->in.stats.queue_drops + s->in.stats.flight_drops),
		        (unsigned long long)s->out.stats.passed, (unsigned long long)s->out.stats.lost,
		        (unsigned long long)(s->out.stats.queue_drops + s->out.stats.flight_drops));
}

static int loop(struct serve *s, int sfd, FILE *out, FILE *err)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		fprintf(err, "synq serve: epoll: %s\n", strerror(errno));
		return 1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->tun };
	epoll_ctl(ep, EPOLL_CTL_ADD, s->tun, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	synq_time_t stop_at = s->cfg->duration_s > 0
	                              ? s->now + (synq_time_t)(s->cfg->duration_s * 1e9)
	                              : SYNQ_TIME_NEVER;
	bool stopping = false;
	while (!stopping) {
		synq_time_t due = earliest(next_deadline(s), stop_at);
		struct timespec ts, *timeout = NULL;
		if (due != SYNQ_TIME_NEVER) {
			synq_time_t wait = due - clock_ns(CLOCK_MONOTONIC);
			if (wait < 0)
				wait = 0;
			ts.tv_sec = wait / 1000000000;
			ts.tv_nsec = wait % 1000000000;
			timeout = &ts;
		}
		struct epoll_event events[2];
		int n = epoll_pwait2(ep, events, 2, timeout, NULL);
		if (n < 0 && errno != EINTR) {
			fprintf(err, "synq serve: epoll_pwait2: %s\n", strerror(errno));
			close(ep);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.fd == s->tun)
				drain_tun(s);
			else
				stopping = true;
		}
		run_due(s);
		if (s->now >= stop_at)
			stopping = true;
	}
	close(ep);
	report(s, out);
	return 0;
}

static int start(struct serve *s, FILE *out, FILE *err)
{
	const struct serve_config *c = s->cfg;
	char why[256];
	s->tun = tun_open(c->ifname, c->kernel_addr, c->prefix, (int)c->stack.mtu, why, sizeof why);
	if (s->tun < 0) {
		fprintf(err, "synq serve: %s\n", why);
		return 1;
	}
	uint64_t seed[3], secrets[SYNQ_SECRET_WORDS];
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed ||
	    getrandom(secrets, sizeof secrets, 0) != (ssize_t)sizeof secrets) {
		fprintf(err, "synq serve: getrandom: %s\n", strerror(errno));
		return 1;
	}
	if (c->impaired && (impair_init(&s->in, &c->link, seed[1]) ||
	                    impair_init(&s->out, &c->link, seed[2]))) {
		fprintf(err, "synq serve: out of memory for --link\n");
		return 1;
	}
	if (c->pcap_path) {
		int e = synq_pcap_open(c->pcap_path, &s->pcap);
		if (e) {
			fprintf(err, "synq serve: %s: %s\n", c->pcap_path, strerror(-e));
			return 1;
		}
	}
	s->now = clock_ns(CLOCK_MONOTONIC);
	s->wall_offset = clock_ns(CLOCK_REALTIME) - s->now;
	struct synq_stack_io io = { .output = stack_output, .log = stack_log, .ctx = s };
	int e = synq_stack_new(&s->stack, &c->stack, c->addr, seed[0], &io);
	if (e) {
		fprintf(err, "synq serve: cannot create the stack: %s\n", strerror(-e));
		return 1;
	}
	synq_stack_set_secrets(s->stack, secrets);
	struct synq_httpd_hooks hooks = { .ctx = c->access_log,
	                                  .access_log = c->access_log ? access_log : NULL };
	e = synq_httpd_new(&s->httpd, &c->httpd, &hooks);
	if (e) {
		fprintf(err, "synq serve: bad server configuration: %s\n", strerror(-e));
		return 1;
	}
	synq_httpd_set_wall_offset(s->httpd, s->wall_offset);
	e = synq_httpd_attach_stack(s->httpd, s->stack, s->now);
	if (e) {
		fprintf(err, "synq serve: listen on port %u: %s\n", c->httpd.listen_port,
		        strerror(-e));
		return 1;
	}
	char a[INET_ADDRSTRLEN], k[INET_ADDRSTRLEN];
	uint32_t na = htonl(c->addr), nk = htonl(c->kernel_addr);
	inet_ntop(AF_INET, &na, a, sizeof a);
	inet_ntop(AF_INET, &nk, k, sizeof k);
	fprintf(out, "synq serve: http://%s:%u/ in network namespace %s (kernel side %s/%d "
	             "on %s); ip netns exec %s curl http://%s:%u/server-status\n",
	        a, c->httpd.listen_port, c->netns, k, c->prefix, c->ifname, c->netns, a,
	        c->httpd.listen_port);
	fflush(out);
	return 0;
}

int serve_run(const struct serve_config *c, FILE *out, FILE *err)
{
	if (geteuid() != 0) {
		fprintf(err, "synq serve: needs root (it creates a network namespace and a "
		             "TUN device)\n");
		return 1;
	}
	if (access("/dev/net/tun", R_OK | W_OK)) {
		fprintf(err, "synq serve: no /dev/net/tun on this machine: %s\n", strerror(errno));
		return 1;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	bool created;
	char why[256];
	if (tun_netns_enter(c->netns, &created, why, sizeof why)) {
		fprintf(err, "synq serve: %s\n", why);
		close(sfd);
		return 1;
	}
	struct serve s = { .cfg = c, .tun = -1 };
	int rc = start(&s, out, err);
	if (rc == 0)
		rc = loop(&s, sfd, out, err);
	if (s.httpd)
		synq_httpd_free(s.httpd);
	if (s.stack)
		synq_stack_free(s.stack);
	if (s.pcap && synq_pcap_close(s.pcap))
		fprintf(err, "synq serve: %s: write failed\n", c->pcap_path);
	if (c->impaired) {
		impair_free(&s.in);
		impair_free(&s.out);
	}
	if (s.tun >= 0)
		close(s.tun);
	if (created)
		tun_netns_remove(c->netns);
	close(sfd);
	return rc;
}

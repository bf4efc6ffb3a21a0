/* SPDX-License-Identifier: BSD-2-Clause */
/* Running scenarios: the duration histogram, the host group, and "same
 * seed, same bytes": a run with a lossy, jittery link, browsers, a SYN
 * flood answered by RSTs and a pcap, done twice with one seed, gives
 * byte-identical CSV, JSON and pcap files; another seed changes them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/run.h"
#include "scenario/hist.h"
#include "synq/hostgroup.h"
#include "synq/socket.h"
#include "slurp.h"

/* ------------------------------------------------------------ hist */

static void test_hist(void **state)
{
	(void)state;
	static struct hist h;
	memset(&h, 0, sizeof h);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	/* 90 fast connects and 10 at the first SYN retransmission */
	for (int i = 0; i < 90; i++)
		hist_add(&h, SYNQ_MSEC(2));
	for (int i = 0; i < 10; i++)
		hist_add(&h, SYNQ_MSEC(1002));
	synq_time_t p50 = hist_quantile(&h, 0.5), p99 = hist_quantile(&h, 0.99);
	assert_true(p50 >= SYNQ_MSEC(2) && p50 <= SYNQ_USEC(2070));
	assert_true(p99 >= SYNQ_MSEC(1002) && p99 <= SYNQ_MSEC(1002));  /* capped by max */
	assert_int_equal(h.count, 100);
	/* buckets are contiguous and at most 1/32 wide */
	uint64_t prev_hi = 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t lo, hi;
		hist_bucket_range(b, &lo, &hi);
		assert_int_equal(lo, prev_hi);
		assert_true(hi > lo);
		assert_true(lo < 32 || (hi - lo) * 32 <= lo);
		prev_hi = hi;
	}
}

/* ------------------------------------------------------------ hostgroup */

struct group_probe {
	int fds[3];
	int connected;
};

/* The warm hook: which hosts were told a datagram comes. */
static void count_warm(void *app, uint32_t host)
{
	unsigned *warmed = app;
	assert_true(host < 3);
	warmed[host]++;
}

static void listen_on(struct synq_stack *s, uint16_t port)
{
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_int_equal(synq_bind(s, fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(synq_listen(s, fd, 16), 0);
}

static void test_hostgroup(void **state)
{
	(void)state;
	struct sim *sim;
	struct sim_config sc = { .seed = 3 };
	assert_int_equal(sim_create(&sc, &sim), 0);
	struct sim_host *server;
	struct sim_host_config hc = { .name = "server", .addr = 0x0a000001u, .seed = 1 };
	assert_int_equal(sim_host_add(sim, &hc, &server), 0);
	struct sim_hostgroup *g;
	static unsigned warmed[3];
	struct sim_hostgroup_config gc = { .name = "clients", .first_addr = 0x0a010001u,
	                                   .count = 3, .seed = 9, .warm = count_warm,
	                                   .app_ctx = warmed };
	assert_int_equal(sim_hostgroup_add(sim, &gc, &g), 0);
	assert_int_equal(sim_hostgroup_count(g), 3);
	assert_int_equal(sim_hostgroup_addr(g, 2), 0x0a010003u);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	struct sim_link *link;
	assert_int_equal(sim_link_add(sim, &lc, sim_hostgroup_node(g), sim_host_node(server), &link),
	                 0);
	listen_on(sim_host_enter(server), 80);
	sim_host_leave(server);
	/* each host connects; the server sees three different addresses */
	struct group_probe p = { { -1, -1, -1 }, 0 };
	for (uint32_t h = 0; h < 3; h++) {
		struct synq_stack *s = sim_hostgroup_enter(g, h);
		p.fds[h] = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
		                          .sin_addr.s_addr = htonl(0x0a000001u) };
		assert_int_equal(synq_connect(s, p.fds[h], (struct sockaddr *)&to, sizeof to),
		                 -EINPROGRESS);
		sim_hostgroup_leave(g, h);
	}
	assert_int_equal(sim_run_until(sim, SYNQ_MSEC(100)), 0);
	for (uint32_t h = 0; h < 3; h++) {
		int ev = synq_sock_events(sim_hostgroup_stack(g, h), p.fds[h]);
		assert_true(ev & POLLOUT);
		assert_int_equal(warmed[h], 1); /* its SYN-ACK */
	}
	struct synq_stack *ss = sim_host_stack(server);
	for (int i = 0; i < 3; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof peer;
		int fd = synq_accept(ss, 3, (struct sockaddr *)&peer, &len);
		assert_true(fd >= 0);
		uint32_t a = ntohl(peer.sin_addr.s_addr);
		assert_true(a >= 0x0a010001u && a <= 0x0a010003u);
	}
	/* the group's timers: a connect to nowhere retransmits its SYN on
	 * the group's heap-driven timer until ETIMEDOUT: tcp_syn_retries
	 * plus tcp_syn_linear_timeouts times (6 + 4), as Linux 6.18 counts */
	struct synq_stack *s = sim_hostgroup_enter(g, 1);
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in nowhere = { .sin_family = AF_INET, .sin_port = htons(80),
	                               .sin_addr.s_addr = htonl(0x0a090001u) };
	assert_int_equal(synq_connect(s, fd, (struct sockaddr *)&nowhere, sizeof nowhere),
	                 -EINPROGRESS);
	sim_hostgroup_leave(g, 1);
	assert_int_equal(sim_run_until(sim, SYNQ_SEC(200)), 0);
	int err = 0;
	socklen_t elen = sizeof err;
	synq_getsockopt(sim_hostgroup_stack(g, 1), fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	assert_int_equal(err, ETIMEDOUT);
	const struct synq_mib *m = synq_stack_mib(sim_hostgroup_stack(g, 1));
	assert_int_equal(m->value[SYNQ_MIB_TcpExtTCPSynRetrans], 10);
	sim_destroy(sim);
	sim_host_free(server);
	sim_hostgroup_free(g);
}

/* ------------------------------------------------------------ determinism */

static const char determinism_ini[] =
	"[run]\nduration = 4s\ninterval = 50ms\npcap = yes\n"
	"[link.lossy]\ndelay = 5ms\nloss = 2%\njitter = 2ms\nrate = 20mbit\npcap = yes\n"
	"[server]\nmodel = prefork\nMaxRequestWorkers = 20\nServiceTime = exponential:10ms\n"
	"[clients.web]\nmodel = browser\ncount = 15\nthink = exp(300ms)\npause = exp(1s)\n"
	"link = lossy\n"
	"[clients.api]\nmodel = poisson\nrate = 40/s\n"
	"[attack.flood]\nmodel = synflood\nrate = 2000/s\nrst = yes\nsources = 500\n";

static char *must_slurp(const char *dir, const char *name, size_t *len)
{
	char *buf = slurp(dir, name, len);
	if (buf == NULL)
		fail_msg("cannot open %s/%s", dir, name);
	return buf;
}

static struct report result;

static void run_into(const char *dir, const char *seed)
{
	char ov[64];
	snprintf(ov, sizeof ov, "run.seed=%s", seed);
	const char *ovs[] = { ov };
	struct scn_run_options o = { .path = "determinism.ini", .text = determinism_ini,
	                             .overrides = ovs, .n_overrides = 1, .out = dir,
	                             .quiet = true, .plots = false, .result = &result };
	assert_int_equal(scn_run(&o), SCN_RUN_OK);
}

static const char *const outputs[] = { "summary.json", "series.csv", "connect_times.csv",
	                                     "latency.csv", "row.csv", "server.pcap",
	                                     "lossy-web.pcap" };

static void test_same_seed_same_bytes(void **state)
{
	(void)state;
	char base[] = "/tmp/synq-scn-det-XXXXXX";
	assert_non_null(mkdtemp(base));
	char a[600], b[600], c[600];
	snprintf(a, sizeof a, "%s/a", base);
	snprintf(b, sizeof b, "%s/b", base);
	snprintf(c, sizeof c, "%s/c", base);
	run_into(a, "5");
	run_into(b, "5");
	run_into(c, "6");
	unsigned differ = 0;
	for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
		size_t la, lb, lc;
		char *fa = must_slurp(a, outputs[i], &la), *fb = must_slurp(b, outputs[i], &lb),
		     *fc = must_slurp(c, outputs[i], &lc);
		assert_true(la > 0);
		if (la != lb || memcmp(fa, fb, la))
			fail_msg("%s differs between two runs with seed 5", outputs[i]);
		differ += la != lc || memcmp(fa, fc, la);
		free(fa), free(fb), free(fc);
	}
	/* seed 6 changes every output where randomness is on (loss, jitter,
	 * think times, arrivals, spoofed sources); row.csv too. */
	assert_int_equal(differ, sizeof outputs / sizeof outputs[0]);
	/* the run did happen: browsers were served through the lossy link,
	 * the flood was answered and its sources sent RSTs */
	assert_int_equal(result.n_pops, 3);
	assert_true(result.pop[0].o.responses_ok > 50);
	assert_true(result.pop[0].client_mib.value[SYNQ_MIB_TcpRetransSegs] > 0);
	assert_true(result.pop[2].o.syns_sent > 7000);
	assert_true(result.pop[2].o.synacks_received > 0);
	assert_true(result.pop[2].o.rsts_sent == result.pop[2].o.synacks_received);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_hostgroup),
		cmocka_unit_test(test_same_seed_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* A simulation in domains (src/sim/domain.c): the rules for cut links,
 * the same events with one thread and with two (and as in one domain),
 * global events between windows and a packet tied with one, a stop in
 * one domain; and scenarios (the demo, a SYN flood, browsers, a lossy
 * jittery captured link) whose CSV, JSON and pcap files are
 * byte-identical with SYNQ_SIM_THREADS=1 and 2. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/run.h"
#include "scenario/world.h"
#include "synq/rng.h"
#include "synq/sim.h"
#include "slurp.h"

/* ------------------------------------------------------------ the rules */

static struct sim_node *plain_node(struct sim *sim, const char *name)
{
	struct sim_node_config c = { .name = name, .kind = SIM_NODE_HOST };
	struct sim_node *n;
	assert_int_equal(sim_node_add(sim, &c, &n), 0);
	return n;
}

static void cut_links_need_a_delay(void **state)
{
	(void)state;
	struct sim *sim, *dom;
	assert_int_equal(sim_create(NULL, &sim), 0);
	assert_int_equal(sim_domain_count(sim), 1);
	assert_int_equal(sim_lookahead(sim), SYNQ_TIME_NEVER);
	assert_int_equal(sim_domain_add(sim, &dom), 0);
	assert_int_equal(sim_domain_count(sim), 2);
	assert_int_equal(sim_domain_count(dom), 2);
	assert_int_equal(sim_domain_index(dom), 1);
	assert_ptr_equal(sim_domain_root(dom), sim);
	struct sim_node *a = plain_node(sim, "a"), *b = plain_node(dom, "b");
	assert_ptr_equal(sim_node_sim(b), dom);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	struct sim_link *link;
	assert_int_equal(sim_link_add(sim, &lc, a, b, &link), -EINVAL);
	lc.delay_ns = SYNQ_MSEC(3);
	assert_int_equal(sim_link_add(sim, &lc, a, b, &link), 0);
	lc.delay_ns = SYNQ_MSEC(2);
	struct sim_link *link2;
	assert_int_equal(sim_link_add(dom, &lc, b, a, &link2), 0);
	assert_int_equal(sim_lookahead(sim), SYNQ_MSEC(2));
	lc.delay_ns = 0;
	assert_int_equal(sim_link_configure(link, SIM_LINK_A, &lc), -EINVAL);
	/* only the root runs */
	assert_int_equal(sim_run_until(dom, SYNQ_MSEC(1)), -EINVAL);
	assert_int_equal(sim_threads_set(sim, 2), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_MSEC(1)), 0);
	assert_int_equal(sim_threads(sim), 2);
	assert_int_equal(sim_now(sim), SYNQ_MSEC(1));
	assert_int_equal(sim_now(dom), SYNQ_MSEC(1));
	assert_int_equal(sim_threads_set(sim, 1), -EBUSY);
	struct sim *late;
	assert_int_equal(sim_domain_add(sim, &late), -EBUSY);
	sim_destroy(sim);
}

/* ------------------------------------------------------------ ping-pong */

#define LOG_MAX (1 << 15)

struct trace {
	unsigned n;
	synq_time_t at[LOG_MAX];
	uint32_t tag[LOG_MAX];
};

struct pinger {
	struct sim_node *node;
	struct trace rx;
	uint64_t rng;          /* its own stream: the same in any domain */
	uint32_t sent;
	uint32_t base;         /* tags it sends */
	synq_time_t period;
	synq_time_t stop;
};

struct world {
	struct sim *sim;
	struct pinger p[2];
	struct trace global;
};

static void trace_add(struct trace *t, synq_time_t at, uint32_t tag)
{
	assert_true(t->n < LOG_MAX);
	t->at[t->n] = at;
	t->tag[t->n++] = tag;
}

static void send_tag(struct pinger *p, uint32_t tag)
{
	uint8_t pkt[120] = { 0 };
	memcpy(pkt, &tag, sizeof tag);
	assert_int_equal(sim_node_send(p->node, pkt, 60 + 8 * (tag % 8)), 0);
}

/* Each packet is answered, every third one twice, the answer tagged. */
static void ping_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                         synq_time_t now)
{
	(void)node;
	(void)len;
	struct pinger *p = ctx;
	uint32_t tag;
	memcpy(&tag, pkt, sizeof tag);
	trace_add(&p->rx, now, tag);
	if (tag >= 1000000)
		return; /* an answer */
	send_tag(p, 1000000 + tag);
	if (tag % 3 == 0)
		send_tag(p, 2000000 + tag);
}

/* A burst now and then, at times from the pinger's own stream and on
 * whole periods (ties with the other side's arrivals). */
static void ping_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct pinger *p = ctx;
	unsigned burst = 1 + (unsigned)(synq_splitmix64_next(&p->rng) % 3);
	for (unsigned i = 0; i < burst; i++)
		send_tag(p, p->base + p->sent++);
	synq_time_t gap = synq_splitmix64_next(&p->rng) % 2 ? p->period
	                : (synq_time_t)(synq_splitmix64_next(&p->rng) % (uint64_t)p->period);
	if (now + gap < p->stop)
		sim_node_timer_set(node, now + gap + 1);
}

static void global_look(struct sim *sim, void *arg)
{
	struct world *w = arg;
	/* every domain stopped, every clock here */
	assert_int_equal(sim_now(sim_node_sim(w->p[0].node)), sim_now(sim));
	assert_int_equal(sim_now(sim_node_sim(w->p[1].node)), sim_now(sim));
	trace_add(&w->global, sim_now(sim), w->p[0].rx.n * 10000 + w->p[1].rx.n);
	if (sim_now(sim) + SYNQ_MSEC(5) <= SYNQ_MSEC(300))
		assert_int_equal(
		    sim_event_schedule_global(sim, sim_now(sim) + SYNQ_MSEC(5), global_look, w), 0);
}

/* domains 1: everything in the root; 2: the second pinger in a domain of
 * its own, across a jittery, reordering, lossy, rate-limited link. */
static void world_build(struct world *w, unsigned domains, unsigned threads)
{
	memset(w, 0, sizeof *w);
	struct sim_config sc = { .seed = 42 };
	assert_int_equal(sim_create(&sc, &w->sim), 0);
	struct sim *side = w->sim;
	if (domains == 2)
		assert_int_equal(sim_domain_add(w->sim, &side), 0);
	assert_int_equal(sim_threads_set(w->sim, threads), 0);
	struct sim *where[2] = { w->sim, side };
	for (int i = 0; i < 2; i++) {
		struct pinger *p = &w->p[i];
		p->rng = 7 + (uint64_t)i;
		p->base = (uint32_t)i * 100000;
		p->period = SYNQ_USEC(250) * (synq_time_t)(i + 1);
		p->stop = SYNQ_MSEC(250);
		struct sim_node_config c = { .name = i ? "b" : "a", .kind = SIM_NODE_HOST,
		                             .receive = ping_receive, .timer = ping_timer, .ctx = p };
		assert_int_equal(sim_node_add(where[i], &c, &p->node), 0);
	}
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_USEC(700);
	lc.rate_bps = 20000000;
	lc.jitter_ns = SYNQ_USEC(200);
	lc.reorder = 0.05;
	lc.reorder_delay_ns = SYNQ_USEC(300);
	lc.loss = 0.02;
	lc.queue_max_pkts = 8;
	struct sim_link *link;
	assert_int_equal(sim_link_add(w->sim, &lc, w->p[0].node, w->p[1].node, &link), 0);
	lc.jitter_ns = 0; /* the way back stays in order: the FIFO path */
	lc.reorder = 0;
	assert_int_equal(sim_link_configure(link, SIM_LINK_B, &lc), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sim_node_timer_set(w->p[i].node, SYNQ_USEC(500)), 0);
	assert_int_equal(sim_event_schedule_global(w->sim, 0, global_look, w), 0);
}

static void traces_equal(const struct trace *a, const struct trace *b)
{
	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		assert_int_equal(a->at[i], b->at[i]);
		assert_int_equal(a->tag[i], b->tag[i]);
	}
}

static struct world worlds[3];

static void same_events_on_any_thread_count(void **state)
{
	(void)state;
	/* one domain; two domains on one thread; two on two */
	unsigned domains[3] = { 1, 2, 2 }, threads[3] = { 1, 1, 2 };
	struct sim_stats st[3];
	for (int k = 0; k < 3; k++) {
		struct world *w = &worlds[k];
		world_build(w, domains[k], threads[k]);
		/* in steps, as a caller may */
		assert_int_equal(sim_run_until(w->sim, SYNQ_MSEC(100)), 0);
		assert_int_equal(sim_run_until(w->sim, SYNQ_MSEC(400)), 0);
		assert_int_equal(sim_threads(w->sim), threads[k]);
		sim_stats_get(w->sim, &st[k]);
		assert_int_equal(st[k].now, SYNQ_MSEC(400));
		assert_int_equal(st[k].events_pending, 0);
		assert_int_equal(st[k].packets_in_use, 0);
	}
	assert_true(worlds[0].p[1].rx.n > 500);
	assert_true(worlds[0].p[0].rx.n > 500);
	assert_int_equal(worlds[0].global.n, 61);
	for (int k = 1; k < 3; k++) {
		for (int i = 0; i < 2; i++)
			traces_equal(&worlds[0].p[i].rx, &worlds[k].p[i].rx);
		traces_equal(&worlds[0].global, &worlds[k].global);
		assert_int_equal(st[k].events_run, st[0].events_run);
	}
	for (int k = 0; k < 3; k++)
		sim_destroy(worlds[k].sim);
}

/* ------------------------------------------------------------ a tie with a global event */

struct tie {
	struct sim_node *a, *b;
	int b_got;        /* packets b has received */
	int b_got_at_look; /* what the global event saw */
};

static void tie_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                        synq_time_t now)
{
	(void)node;
	(void)pkt;
	(void)len;
	(void)now;
	((struct tie *)ctx)->b_got++;
}

static void tie_send(void *ctx, struct sim_node *node, synq_time_t now)
{
	(void)ctx;
	uint8_t pkt[60] = { 0 };
	if (now == SYNQ_MSEC(15))
		assert_int_equal(sim_node_send(node, pkt, sizeof pkt), 0);
}

static void tie_look(struct sim *sim, void *arg)
{
	(void)sim;
	struct tie *t = arg;
	t->b_got_at_look = t->b_got;
}

/* A global event at 25 ms, scheduled at 0; a packet sent at 15 ms over a
 * 10 ms link arrives at 25 ms too. In one domain the packet is numbered
 * when sent, after the event, so the event does not see it; so too when
 * a window ends right at 25 ms and takes the packet in at its start while
 * the receiver has numbered nothing since the event was scheduled (an
 * event of the sender's at 24.5 ms makes that window [24.5 ms, 25 ms]). */
static void a_packet_tied_with_a_global_event_comes_after_it(void **state)
{
	(void)state;
	for (unsigned domains = 1; domains <= 2; domains++) {
		struct tie t = { 0 };
		struct sim *sim, *side;
		assert_int_equal(sim_create(NULL, &sim), 0);
		side = sim;
		if (domains == 2)
			assert_int_equal(sim_domain_add(sim, &side), 0);
		struct sim_node_config ca = { .name = "a", .kind = SIM_NODE_HOST, .timer = tie_send,
		                              .ctx = &t };
		struct sim_node_config cb = { .name = "b", .kind = SIM_NODE_HOST,
		                              .receive = tie_receive, .ctx = &t };
		assert_int_equal(sim_node_add(sim, &ca, &t.a), 0);
		assert_int_equal(sim_node_add(side, &cb, &t.b), 0);
		struct sim_link_config lc;
		sim_link_config_init(&lc);
		lc.delay_ns = SYNQ_MSEC(10);
		struct sim_link *link;
		assert_int_equal(sim_link_add(sim, &lc, t.a, t.b, &link), 0);
		assert_int_equal(sim_event_schedule_global(sim, SYNQ_MSEC(25), tie_look, &t), 0);
		assert_int_equal(sim_node_timer_set(t.a, SYNQ_MSEC(15)), 0);
		assert_int_equal(sim_run_until(sim, SYNQ_MSEC(20)), 0);
		assert_int_equal(sim_node_timer_set(t.a, SYNQ_USEC(24500)), 0);
		assert_int_equal(sim_run_until(sim, SYNQ_MSEC(30)), 0);
		assert_int_equal(t.b_got, 1);
		assert_int_equal(t.b_got_at_look, 0);
		sim_destroy(sim);
	}
}

/* ------------------------------------------------------------ stop */

static void stop_now(struct sim *sim, void *arg)
{
	(void)arg;
	sim_stop(sim);
}

static void count_event(struct sim *sim, void *arg)
{
	(void)sim;
	(*(int *)arg)++;
}

static void a_stop_ends_the_run_after_its_window(void **state)
{
	(void)state;
	struct sim *sim, *dom;
	assert_int_equal(sim_create(NULL, &sim), 0);
	assert_int_equal(sim_domain_add(sim, &dom), 0);
	struct sim_node *a = plain_node(sim, "a"), *b = plain_node(dom, "b");
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(10);
	struct sim_link *link;
	assert_int_equal(sim_link_add(sim, &lc, a, b, &link), 0);
	int root_events = 0;
	assert_int_equal(sim_event_schedule(dom, SYNQ_MSEC(15), stop_now, NULL, NULL), 0);
	for (int i = 1; i <= 5; i++)
		assert_int_equal(sim_event_schedule(sim, SYNQ_MSEC(7) * i, count_event,
		                                    &root_events, NULL), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_SEC(1)), 0);
	assert_int_equal(sim_now(dom), SYNQ_MSEC(15));
	/* the window was [7 ms, 17 ms): the root ran 14 ms, not 21 ms */
	assert_int_equal(root_events, 2);
	assert_int_equal(sim_run_until(sim, SYNQ_SEC(1)), 0);
	assert_int_equal(root_events, 5);
	sim_destroy(sim);
}

/* ------------------------------------------------------------ scenarios */

#define CAPTURED_RUN "[run]\nduration = 3s\ninterval = 100ms\npcap = yes\n"
#define CAPTURED_WORLD                                                          \
	"[link.bumpy]\ndelay = 4ms\nloss = 3%\njitter = 3ms\n"                      \
	"rate = 10mbit\npcap = yes\n"                                              \
	"[server]\nmodel = event\nServiceTime = exponential:5ms\n"                 \
	"[clients.web]\nmodel = browser\ncount = 20\nthink = exp(200ms)\npause = exp(500ms)\n" \
	"link = bumpy\n"                                                          \
	"[clients.api]\nmodel = poisson\nrate = 200/s\n"                            \
	"[attack.flood]\nmodel = synflood\nrate = 3000/s\nrst = yes\nsources = 300\n"

static const char captured_ini[] = CAPTURED_RUN CAPTURED_WORLD;
/* the same world in four domains: the server side and one per population */
static const char captured4_ini[] = CAPTURED_RUN "domains = 4\n" CAPTURED_WORLD;

static void run_into(const char *path, const char *text, const char *dir, const char *threads)
{
	setenv("SYNQ_SIM_THREADS", threads, 1);
	struct scn_run_options o = { .path = path, .text = text, .out = dir, .quiet = true,
	                             .plots = false, .short_run = text == NULL };
	assert_int_equal(scn_run(&o), SCN_RUN_OK);
	unsetenv("SYNQ_SIM_THREADS");
}

static const char *const outputs[] = {
	"summary.json", "series.csv", "connect_times.csv", "latency.csv", "row.csv",
	"server.pcap", "bumpy-web.pcap", "index.html", "scenario.ini",
};

/* Every output the run wrote (the demo writes one directory per run). */
static unsigned compare_dirs(const char *a, const char *b)
{
	static const char *const subdirs[] = { "", "none/", "cookies/", "all/" };
	unsigned compared = 0;
	for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
		for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
			char name[64];
			snprintf(name, sizeof name, "%s%s", subdirs[s], outputs[i]);
			size_t la = 0, lb = 0;
			char *fa = slurp(a, name, &la), *fb = slurp(b, name, &lb);
			assert_true((fa == NULL) == (fb == NULL));
			if (fa) {
				if (la != lb || memcmp(fa, fb, la))
					fail_msg("%s differs between 1 and 2 threads", name);
				compared++;
			}
			free(fa), free(fb);
		}
	}
	return compared;
}

static void scenario_same_bytes(const char *path, const char *text, unsigned min_files)
{
	char base[] = "/tmp/synq-domains-XXXXXX";
	assert_non_null(mkdtemp(base));
	char a[600], b[600];
	snprintf(a, sizeof a, "%s/1", base);
	snprintf(b, sizeof b, "%s/2", base);
	run_into(path, text, a, "1");
	run_into(path, text, b, "2");
	unsigned n = compare_dirs(a, b);
	if (n < min_files)
		fail_msg("%s: only %u outputs compared", path, n);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
}

static void demo_same_bytes(void **state)
{
	(void)state;
	scenario_same_bytes("scenarios/demo.ini", NULL, 7);
}

static void synflood_same_bytes(void **state)
{
	(void)state;
	scenario_same_bytes("scenarios/seeds/c22_synflood_cookies.ini", NULL, 7);
}

static void browsers_same_bytes(void **state)
{
	(void)state;
	scenario_same_bytes("scenarios/seeds/c30_browsers_keepalive.ini", NULL, 7);
}

static void captured_link_same_bytes(void **state)
{
	(void)state;
	scenario_same_bytes("captured.ini", captured_ini, 9);
}

/* Four domains on two threads, every window on both (no pacing), so that
 * the domains are dealt out again as their costs come in: the same bytes
 * as on one thread. */
static void four_domains_same_bytes(void **state)
{
	(void)state;
	setenv("SYNQ_SIM_PACE", "0", 1);
	scenario_same_bytes("captured4.ini", captured4_ini, 9);
	unsetenv("SYNQ_SIM_PACE");
}

/* The world does split, and runs on the threads asked for. */
static void scenario_world_splits(void **state)
{
	(void)state;
	static struct scenario scn;
	struct scn_errors errs;
	assert_int_equal(scn_load(&scn, "captured.ini", captured_ini, NULL, 0, &errs), 0);
	static struct scn_world w;
	char why[256];
	setenv("SYNQ_SIM_THREADS", "2", 1);
	assert_int_equal(scn_world_build(&w, &scn, NULL, why, sizeof why), 0);
	assert_int_equal(sim_domain_count(w.sim), 2);
	assert_int_equal(sim_lookahead(w.sim), SYNQ_MSEC(1));
	assert_ptr_equal(sim_node_sim(scn_pop_node(w.pops[0])), w.pop_sim[0]);
	assert_ptr_equal(sim_node_sim(scn_pop_node(w.pops[2])), w.pop_sim[0]);
	assert_int_equal(scn_world_run(&w, why, sizeof why), 0);
	assert_int_equal(sim_threads(w.sim), 2);
	unsetenv("SYNQ_SIM_THREADS");
	assert_true(scn_world_outcome(&w, 0)->responses_ok > 0);
	scn_world_free(&w);
	scn_free(&scn);
	/* domains = 4: the server side and one domain per population */
	assert_int_equal(scn_load(&scn, "captured4.ini", captured4_ini, NULL, 0, &errs), 0);
	assert_int_equal(scn_world_build(&w, &scn, NULL, why, sizeof why), 0);
	assert_int_equal(sim_domain_count(w.sim), 4);
	for (unsigned i = 0; i < 3; i++)
		assert_ptr_equal(sim_node_sim(scn_pop_node(w.pops[i])), w.pop_sim[i]);
	assert_ptr_not_equal(w.pop_sim[0], w.pop_sim[1]);
	assert_ptr_not_equal(w.pop_sim[1], w.pop_sim[2]);
	scn_world_free(&w);
	scn_free(&scn);
	/* domains = 3: two for three populations, the third with the first */
	const char *ov3[] = { "run.domains=3" };
	assert_int_equal(scn_load(&scn, "captured.ini", captured_ini, ov3, 1, &errs), 0);
	assert_int_equal(scn_world_build(&w, &scn, NULL, why, sizeof why), 0);
	assert_int_equal(sim_domain_count(w.sim), 3);
	assert_ptr_equal(sim_node_sim(scn_pop_node(w.pops[2])), w.pop_sim[0]);
	assert_ptr_equal(sim_node_sim(scn_pop_node(w.pops[1])), w.pop_sim[1]);
	assert_ptr_not_equal(w.pop_sim[0], w.pop_sim[1]);
	scn_world_free(&w);
	scn_free(&scn);
	/* domains = 1 keeps one */
	const char *ov[] = { "run.domains=1" };
	assert_int_equal(scn_load(&scn, "captured.ini", captured_ini, ov, 1, &errs), 0);
	assert_int_equal(scn_world_build(&w, &scn, NULL, why, sizeof why), 0);
	assert_int_equal(sim_domain_count(w.sim), 1);
	scn_world_free(&w);
	scn_free(&scn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cut_links_need_a_delay),
		cmocka_unit_test(same_events_on_any_thread_count),
		cmocka_unit_test(a_packet_tied_with_a_global_event_comes_after_it),
		cmocka_unit_test(a_stop_ends_the_run_after_its_window),
		cmocka_unit_test(scenario_world_splits),
		cmocka_unit_test(captured_link_same_bytes),
		cmocka_unit_test(four_domains_same_bytes),
		cmocka_unit_test(synflood_same_bytes),
		cmocka_unit_test(browsers_same_bytes),
		cmocka_unit_test(demo_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* sim_events_per_s: simulator events per wall second on a raw-packet chain.
 *
 * Workload: h0 - r1 - r2 - r3 - r4 - r5 - r6 - h7, 10 Gbit/s links with
 * 1 us delay. 64 TCP/IPv4 packets (60 bytes) bounce end to end: each
 * router validates the header, looks up its table and decrements the TTL;
 * each end host copies the packet, turns it around and sends it back. One
 * event per packet per hop. Wall time by clock_gettime in this file only.
 *
 * Two more figures for context, same run:
 *   sim_sched_events_per_s  the bare event queue, 1000 events pending, each
 *                           handler scheduling one more at +U[1, 100000] ns
 *                           (the workload of perf-anchors M10, where ns-3's
 *                           default scheduler does 5.6 M/s);
 *   sim_timer_moves_per_s   sim_node_timer_set() moving armed timers of
 *                           1000 nodes, the call a TCP host makes per
 *                           segment. */
#include <stdint.h>
#include <string.h>

#include "bench.h"
#include "ip/checksum.h"
#include "ip/byteorder.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "sim/rng.h"
#include "synq/sim.h"

#define ROUNDS 5
#define CHAIN_NODES 8
#define IN_FLIGHT 64
#define CHAIN_EVENTS_PER_ROUND 4000000u
#define SCHED_PENDING 1000
#define SCHED_EVENTS_PER_ROUND 4000000u
#define TIMER_NODES 1000
#define TIMER_MOVES_PER_ROUND 4000000u

#define LEFT_ADDR 0x0a000001u
#define RIGHT_ADDR 0x0a000701u

/* ---------------------------------------------------------------- chain */

struct reflector {
	uint64_t turned;
};

static void reflect(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                    synq_time_t now)
{
	(void)now;
	struct reflector *r = ctx;
	uint8_t buf[128];
	if (len > sizeof buf)
		return;
	memcpy(buf, pkt, len);
	/* Swap addresses and ports (the TCP checksum covers both orders the
	 * same), restore the TTL, redo the header checksum. */
	memcpy(buf + 12, pkt + 16, 4);
	memcpy(buf + 16, pkt + 12, 4);
	memcpy(buf + 20, pkt + 22, 2);
	memcpy(buf + 22, pkt + 20, 2);
	buf[8] = IPV4_DEFAULT_TTL;
	store_be16(buf + 10, 0);
	store_be16(buf + 10, inet_checksum(buf, IPV4_HEADER_MIN));
	r->turned++;
	sim_node_send(node, buf, len);
}

struct chain {
	struct sim *sim;
	struct sim_node *nodes[CHAIN_NODES];
	struct reflector ends[2];
};

static int chain_build(struct chain *c)
{
	memset(c, 0, sizeof *c);
	struct sim_config cfg = { .seed = 1 };
	if (sim_create(&cfg, &c->sim))
		return -1;
	struct sim_link *links[CHAIN_NODES - 1];
	for (int i = 0; i < CHAIN_NODES; i++) {
		bool end = i == 0 || i == CHAIN_NODES - 1;
		struct sim_node_config nc = {
			.name = end ? "host" : "router",
			.addr = i == 0 ? LEFT_ADDR : i == CHAIN_NODES - 1 ? RIGHT_ADDR
			                                                 : 0x0a0000feu + (uint32_t)i,
			.kind = end ? SIM_NODE_HOST : SIM_NODE_ROUTER,
			.receive = end ? reflect : NULL,
			.ctx = end ? &c->ends[i != 0] : NULL,
		};
		if (sim_node_add(c->sim, &nc, &c->nodes[i]))
			return -1;
	}
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_USEC(1);
	lc.rate_bps = 10000000000ull;
	for (int i = 0; i + 1 < CHAIN_NODES; i++)
		if (sim_link_add(c->sim, &lc, c->nodes[i], c->nodes[i + 1], &links[i]))
			return -1;
	for (int i = 1; i + 1 < CHAIN_NODES; i++)
		if (sim_node_route_add(c->nodes[i], LEFT_ADDR, 32, links[i - 1]) ||
		    sim_node_route_add(c->nodes[i], RIGHT_ADDR, 32, links[i]))
			return -1;
	/* Put the packets in flight from the left host. */
	for (int k = 0; k < IN_FLIGHT; k++) {
		uint8_t buf[128];
		struct ipv4_fields ipf = { .src_addr = LEFT_ADDR, .dst_addr = RIGHT_ADDR,
		                           .id = (uint16_t)k, .ttl = IPV4_DEFAULT_TTL,
		                           .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
		struct tcp_segment seg = {
			.src_port = (uint16_t)(40000 + k), .dst_port = 80, .seq = 1,
			.flags = TCP_ACK, .window = 512,
			.opt = { .has_timestamp = true, .tsval = 1, .tsecr = 1 },
		};
		size_t len = tcp_segment_emit(buf, sizeof buf, &ipf, &seg);
		if (!len || sim_node_send(c->nodes[0], buf, len))
			return -1;
	}
	return 0;
}

static uint64_t events_run(struct sim *sim)
{
	struct sim_stats st;
	sim_stats_get(sim, &st);
	return st.events_run;
}

/* Run the chain for at least n events; returns events per wall second. */
static double chain_round(struct chain *c, uint64_t n)
{
	uint64_t start_events = events_run(c->sim);
	double start = bench_now_s();
	while (events_run(c->sim) - start_events < n)
		if (sim_run_until(c->sim, sim_now(c->sim) + SYNQ_MSEC(1)))
			return -1;
	double wall = bench_now_s() - start;
	return (double)(events_run(c->sim) - start_events) / wall;
}

/* ---------------------------------------------------- bare event queue */

struct sched {
	struct sim_rng rng;
	uint64_t fired;
};

static void sched_fire(struct sim *sim, void *arg)
{
	struct sched *s = arg;
	s->fired++;
	synq_time_t at = sim_now(sim) + 1 + (synq_time_t)sim_rng_below(&s->rng, 100000);
	sim_event_schedule(sim, at, sched_fire, s, NULL);
}

/* ------------------------------------------------------ timer moves */

static void timer_noop(void *ctx, struct sim_node *node, synq_time_t now)
{
	(void)ctx;
	(void)node;
	(void)now;
}

int main(void)
{
	/* The chain. */
	struct chain c;
	if (chain_build(&c)) {
		fprintf(stderr, "bench_sim: cannot build the chain\n");
		return 1;
	}
	chain_round(&c, CHAIN_EVENTS_PER_ROUND / 4); /* warm the pools */
	double rates[ROUNDS];
	for (int r = 0; r < ROUNDS; r++)
		if ((rates[r] = chain_round(&c, CHAIN_EVENTS_PER_ROUND)) < 0) {
			fprintf(stderr, "bench_sim: chain run failed\n");
			return 1;
		}
	struct sim_node_stats rs;
	sim_node_stats_get(c.nodes[CHAIN_NODES / 2], &rs);
	struct sim_stats ss;
	sim_stats_get(c.sim, &ss);
	if (rs.forwarded_packets == 0 || c.ends[0].turned == 0 || c.ends[1].turned == 0 ||
	    ss.packets_in_use != IN_FLIGHT) {
		fprintf(stderr, "bench_sim: packets did not bounce as expected\n");
		return 1;
	}
	sim_destroy(c.sim);
	double chain_median = bench_median(rates, ROUNDS);

	/* The bare queue. */
	struct sim *sim;
	struct sched s = { .fired = 0 };
	sim_rng_seed(&s.rng, 2);
	if (sim_create(NULL, &sim))
		return 1;
	for (int i = 0; i < SCHED_PENDING; i++)
		sim_event_schedule(sim, (synq_time_t)sim_rng_below(&s.rng, 100000), sched_fire,
		                   &s, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t start_fired = s.fired;
		double start = bench_now_s();
		while (s.fired - start_fired < SCHED_EVENTS_PER_ROUND)
			sim_run_until(sim, sim_now(sim) + SYNQ_MSEC(10));
		rates[r] = (double)(s.fired - start_fired) / (bench_now_s() - start);
	}
	sim_destroy(sim);
	double sched_median = bench_median(rates, ROUNDS);

	/* Timer moves. */
	if (sim_create(NULL, &sim))
		return 1;
	struct sim_node *nodes[TIMER_NODES];
	struct sim_rng rng;
	sim_rng_seed(&rng, 3);
	for (int i = 0; i < TIMER_NODES; i++) {
		struct sim_node_config nc = { .name = "t", .timer = timer_noop };
		if (sim_node_add(sim, &nc, &nodes[i]) ||
		    sim_node_timer_set(nodes[i], SYNQ_SEC(1) + (synq_time_t)sim_rng_below(&rng, SYNQ_SEC(1))))
			return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		double start = bench_now_s();
		for (uint32_t i = 0; i < TIMER_MOVES_PER_ROUND; i++) {
			uint64_t x = sim_rng_next(&rng);
			sim_node_timer_set(nodes[x % TIMER_NODES],
			                   SYNQ_SEC(1) + (synq_time_t)((x >> 20) % SYNQ_SEC(1)));
		}
		rates[r] = TIMER_MOVES_PER_ROUND / (bench_now_s() - start);
	}
	sim_stats_get(sim, &ss);
	sim_destroy(sim);
	if (ss.events_pending != TIMER_NODES) {
		fprintf(stderr, "bench_sim: timer moves leaked events\n");
		return 1;
	}
	double moves_median = bench_median(rates, ROUNDS);

	printf("sim: %d-node chain, %d packets in flight: %.1f ns/event "
	       "(median of %d x %u events)\n",
	       CHAIN_NODES, IN_FLIGHT, 1e9 / chain_median, ROUNDS, CHAIN_EVENTS_PER_ROUND);
	printf("sim: bare queue, %d pending: %.1f ns/event; timer move: %.1f ns\n",
	       SCHED_PENDING, 1e9 / sched_median, 1e9 / moves_median);
	bench_line("sim_events_per_s", chain_median, "events/s");
	bench_line("sim_sched_events_per_s", sched_median, "events/s");
	bench_line("sim_timer_moves_per_s", moves_median, "moves/s");
	return 0;
}

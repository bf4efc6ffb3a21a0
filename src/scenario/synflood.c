/* SPDX-License-Identifier: BSD-2-Clause */
/* The spoofed-source SYN flood (seed 002's C22, seed 004): SYNs built as
 * raw packets with src/ip's builders, from addresses that are not the
 * attacker's, so the server's SYN-ACKs go to the spoofed sources.
 *
 * Pacing: the flood runs on a 1 ms tick; each tick sends the SYNs its
 * share of `rate` allows (fractions carry over), back to back, like a
 * sender that writes bursts from a timer. Each SYN looks like Linux's:
 * MSS 1460, SACK permitted, timestamps, window scale 7; source address
 * drawn uniformly from the pool of `sources`, source port from 1024 up,
 * ISN and TSval random.
 *
 * The sources. With rst = no they do not exist (the usual spoofed flood):
 * the SYN-ACKs arrive nowhere, and the server keeps each request until its
 * SYN-ACK retries run out (tcp_synack_retries). With rst = yes they are
 * real hosts that never sent a SYN: each answers the unexpected SYN-ACK
 * with a RST (RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>), which frees the
 * request at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "scenario/pop.h"

#define TICK_NS SYNQ_MSEC(1)
#define SYN_BYTES 80

struct flood {
	double credit;          /* SYNs owed, fractional */
	synq_time_t last_tick;
	uint16_t ip_id;
};

static void send_syn(struct scn_pop *p, struct flood *f, synq_time_t now)
{
	uint64_t r1 = sim_rng_next(&p->rng);
	uint64_t r2 = sim_rng_next(&p->rng);
	uint32_t src = SCN_SPOOF_PREFIX(p->index) + (uint32_t)(r1 % p->cfg->sources);
	struct ipv4_fields ipf = {
		.src_addr = src, .dst_addr = SCN_SERVER_ADDR, .id = f->ip_id++,
		.ttl = IPV4_DEFAULT_TTL, .protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
	struct tcp_segment syn = {
		.src_port = (uint16_t)(1024 + (r1 >> 32) % 64512), .dst_port = p->port,
		.seq = (uint32_t)r2, .flags = TCP_SYN, .window = 64240,
		.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
		         .has_timestamp = true, .tsval = (uint32_t)(r2 >> 32),
		         .has_wscale = true, .wscale = 7 },
	};
	(void)now;
	uint8_t pkt[SYN_BYTES];
	size_t n = tcp_segment_emit(pkt, sizeof pkt, &ipf, &syn);
	if (n && sim_node_send(p->node, pkt, n) == 0)
		p->out.syns_sent++;
}

static void flood_tick(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct scn_pop *p = ctx;
	struct flood *f = p->raw;
	if (now >= p->stop_ns)
		return;
	f->credit += p->cfg->rate_per_s * (double)(now - f->last_tick) / 1e9;
	f->last_tick = now;
	while (f->credit >= 1.0) {
		f->credit -= 1.0;
		send_syn(p, f, now);
	}
	sim_node_timer_set(node, now + TICK_NS);
}

static void flood_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                          synq_time_t now)
{
	(void)now;
	struct scn_pop *p = ctx;
	struct flood *f = p->raw;
	struct ipv4_view ip;
	struct tcp_segment seg;
	if (ipv4_parse(pkt, len, &ip) != SYNQ_DROP_NONE || ip.protocol != IPV4_PROTO_TCP ||
	    tcp_parse(&ip, &seg, false) != SYNQ_DROP_NONE)
		return;
	if ((seg.flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK))
		return;
	p->out.synacks_received++;
	if (!p->cfg->rst)
		return;
	struct ipv4_fields ipf = {
		.src_addr = seg.dst_addr, .dst_addr = seg.src_addr, .id = f->ip_id++,
		.ttl = IPV4_DEFAULT_TTL, .protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
	struct tcp_segment rst = {
		.src_port = seg.dst_port, .dst_port = seg.src_port, .seq = seg.ack,
		.flags = TCP_RST,
	};
	uint8_t out[SYN_BYTES];
	size_t n = tcp_segment_emit(out, sizeof out, &ipf, &rst);
	if (n && sim_node_send(node, out, n) == 0)
		p->out.rsts_sent++;
}

int scn_synflood_create(struct scn_pop *p, char *why, size_t why_cap)
{
	struct flood *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -ENOMEM;
	p->raw = f;
	f->ip_id = (uint16_t)sim_rng_next(&p->rng);
	struct sim_node_config nc = {
		.name = p->cfg->name, .addr = SCN_POP_PREFIX(p->index) + 1, .kind = SIM_NODE_HOST,
		.receive = flood_receive, .timer = flood_tick, .ctx = p,
	};
	int err = sim_node_add(p->world->sim, &nc, &p->node);
	if (err)
		snprintf(why, why_cap, "attack %s: cannot add its node: %s", p->cfg->name,
		         strerror(-err));
	return err;
}

void scn_synflood_start(struct scn_pop *p)
{
	struct flood *f = p->raw;
	f->last_tick = p->cfg->start_ns;
	sim_node_timer_set(p->node, p->cfg->start_ns);
}

void scn_synflood_free(struct scn_pop *p)
{
	free(p->raw);
	p->raw = NULL;
}

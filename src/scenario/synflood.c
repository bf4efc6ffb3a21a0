/* SPDX-License-Identifier: BSD-2-Clause */
/* The spoofed-source SYN flood (seed 002's C22, seed 004): SYNs built as
 * raw packets with src/ip's builders, from addresses that are not the
 * attacker's, so the server's SYN-ACKs go to the spoofed sources.
 *
 * Pacing: the flood runs on a 1 ms tick; each tick sends a Poisson number
 * of SYNs with mean rate x tick, back to back. Not a fixed share per tick:
 * the server's timers are exact and whole milliseconds, so a request that
 * a flood SYN created expires exactly on a later tick, and a periodic
 * flood would then always have a SYN there to take the freed slot before
 * any client could (a resonance no real attacker's clock shares with the
 * server's: with it, clients behind a slow no-cookie flood never got in).
 * Counts above a mean of 30 per tick use the normal approximation. With
 * arrivals = even, the n-th SYN goes on the first tick at or after n/rate,
 * as hping3 -i sends them. Each SYN looks like Linux's:
 * MSS 1460, SACK permitted, timestamps, window scale 7; source address
 * drawn uniformly from the pool of `sources`, source port from 1024 up,
 * ISN and TSval random.
 *
 * Speed: a SYN is a copy of a template built once with tcp_segment_emit(),
 * with its varying fields (IP id, source address and port, sequence
 * number, TSval) rewritten and both checksums adjusted as RFC 1624 says,
 * instead of being emitted and summed afresh: the flood is the simulation's
 * bulk, and this keeps the attacker's cost below the server's.
 *
 * The sources. With rst = no they do not exist (the usual spoofed flood):
 * the SYN-ACKs arrive nowhere, and the server keeps each request until its
 * SYN-ACK retries run out (tcp_synack_retries). With rst = yes they are
 * real hosts that never sent a SYN: each answers the unexpected SYN-ACK
 * with a RST (RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>), which frees the
 * request at once. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "scenario/pop.h"

#define TICK_NS SYNQ_MSEC(1)
#define SYN_BYTES 80

/* Byte offsets in the template (IPv4 header of 20 bytes, then TCP). */
#define OFF_IP_ID 4
#define OFF_IP_CSUM 10
#define OFF_IP_SRC 12
#define OFF_TCP_SPORT 20
#define OFF_TCP_SEQ 24
#define OFF_TCP_CSUM 36
#define OFF_TCP_OPTIONS 40

struct flood {
	synq_time_t last_tick;
	uint64_t sent;          /* arrivals = even: SYNs so far */
	uint16_t ip_id;
	uint8_t syn[SYN_BYTES]; /* the template */
	size_t syn_len;
	size_t off_tsval;       /* where TSval sits in the template */
};

static void send_syn(struct scn_pop *p, struct flood *f)
{
	uint64_t r1 = sim_rng_next(&p->rng);
	uint64_t r2 = sim_rng_next(&p->rng);
	uint8_t pkt[SYN_BYTES];
	memcpy(pkt, f->syn, f->syn_len);
	uint32_t src = SCN_SPOOF_PREFIX(p->index) + (uint32_t)(r1 % p->cfg->sources);
	uint16_t sport = (uint16_t)(1024 + (r1 >> 32) % 64512);
	uint32_t seq = (uint32_t)r2, tsval = (uint32_t)(r2 >> 32);
	uint16_t id = f->ip_id++;
	/* IPv4: id and source address */
	uint16_t ipc = load_be16(pkt + OFF_IP_CSUM);
	ipc = inet_checksum_adjust16(ipc, load_be16(pkt + OFF_IP_ID), id);
	ipc = inet_checksum_adjust32(ipc, load_be32(pkt + OFF_IP_SRC), src);
	/* TCP: the source address (pseudo-header), port, ISN and TSval */
	uint16_t tc = load_be16(pkt + OFF_TCP_CSUM);
	tc = inet_checksum_adjust32(tc, load_be32(pkt + OFF_IP_SRC), src);
	tc = inet_checksum_adjust16(tc, load_be16(pkt + OFF_TCP_SPORT), sport);
	tc = inet_checksum_adjust32(tc, load_be32(pkt + OFF_TCP_SEQ), seq);
	tc = inet_checksum_adjust32(tc, load_be32(pkt + f->off_tsval), tsval);
	store_be16(pkt + OFF_IP_ID, id);
	store_be32(pkt + OFF_IP_SRC, src);
	store_be16(pkt + OFF_IP_CSUM, ipc);
	store_be16(pkt + OFF_TCP_SPORT, sport);
	store_be32(pkt + OFF_TCP_SEQ, seq);
	store_be32(pkt + f->off_tsval, tsval);
	store_be16(pkt + OFF_TCP_CSUM, tc);
	if (sim_node_send(p->node, pkt, f->syn_len) == 0)
		p->out.syns_sent++;
}

/* The template: a SYN as Linux sends it, from the pool's first address. */
static int build_template(struct scn_pop *p, struct flood *f)
{
	struct ipv4_fields ipf = {
		.src_addr = SCN_SPOOF_PREFIX(p->index), .dst_addr = p->world->target_addr,
		.ttl = IPV4_DEFAULT_TTL, .protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
	struct tcp_segment syn = {
		.src_port = 1024, .dst_port = p->port, .flags = TCP_SYN, .window = 64240,
		.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
		         .has_timestamp = true, .has_wscale = true, .wscale = 7 },
	};
	f->syn_len = tcp_segment_emit(f->syn, sizeof f->syn, &ipf, &syn);
	if (f->syn_len == 0 || (f->syn[0] & 0x0f) != 5)
		return -EINVAL;
	/* find the timestamp option (kind 8, length 10) */
	for (size_t i = OFF_TCP_OPTIONS; i + 10 <= f->syn_len;) {
		uint8_t kind = f->syn[i];
		if (kind == 1) {
			i++;
		} else if (kind == 8 && f->syn[i + 1] == 10) {
			f->off_tsval = i + 2;
			return 0;
		} else if (kind == 0 || f->syn[i + 1] < 2) {
			break;
		} else {
			i += f->syn[i + 1];
		}
	}
	return -EINVAL;
}

/* A Poisson draw: Knuth's product of uniforms for small means, the normal
 * approximation (Box-Muller, rounded) above 30. */
static uint64_t poisson(struct sim_rng *rng, double mean)
{
	if (mean <= 0)
		return 0;
	if (mean > 30) {
		double u1 = 1.0 - sim_rng_double(rng), u2 = sim_rng_double(rng);
		double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
		double n = floor(mean + sqrt(mean) * z + 0.5);
		return n > 0 ? (uint64_t)n : 0;
	}
	double limit = exp(-mean), prod = sim_rng_double(rng);
	uint64_t n = 0;
	while (prod > limit) {
		n++;
		prod *= sim_rng_double(rng);
	}
	return n;
}

static void flood_tick(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct scn_pop *p = ctx;
	struct flood *f = p->raw;
	if (now >= p->stop_ns)
		return;
	uint64_t n;
	if (p->cfg->arrivals == SCN_ARRIVALS_EVEN) {
		double due = p->cfg->rate_per_s * (double)(now - p->cfg->start_ns) / 1e9;
		n = (uint64_t)due + 1 - f->sent; /* the first SYN at the start */
		f->sent += n;
	} else {
		n = poisson(&p->rng, p->cfg->rate_per_s * (double)(now - f->last_tick) / 1e9);
	}
	f->last_tick = now;
	for (; n > 0; n--)
		send_syn(p, f);
	sim_node_timer_set(node, now + TICK_NS);
}

static void flood_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                          synq_time_t now)
{
	(void)now;
	struct scn_pop *p = ctx;
	struct flood *f = p->raw;
	/* Spoofed sources that do not exist only need counting: look at the
	 * flags byte and parse nothing (the server built these packets). */
	if (len < 40 || pkt[9] != IPV4_PROTO_TCP)
		return;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 20 ||
	    (pkt[ihl + 13] & (TCP_SYN | TCP_ACK | TCP_RST)) != (TCP_SYN | TCP_ACK))
		return;
	p->out.synacks_received++;
	if (!p->cfg->rst)
		return;
	struct ipv4_view ip;
	struct tcp_segment seg;
	if (ipv4_parse(pkt, len, &ip) != SYNQ_DROP_NONE ||
	    tcp_parse(&ip, &seg, false) != SYNQ_DROP_NONE)
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
	if (build_template(p, f)) {
		snprintf(why, why_cap, "attack %s: cannot build its SYN", p->cfg->name);
		return -EINVAL;
	}
	struct sim_node_config nc = {
		.name = p->cfg->name, .addr = SCN_POP_PREFIX(p->index) + 1, .kind = SIM_NODE_HOST,
		.receive = flood_receive, .timer = flood_tick, .ctx = p,
	};
	int err = sim_node_add(p->sim, &nc, &p->node);
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

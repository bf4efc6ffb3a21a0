/* SPDX-License-Identifier: BSD-2-Clause */
/* The TCP core as one object: creation, the IPv4 input path, time,
 * output, and the hooks readiness leaves through. The public stack
 * (src/stack/) composes it with the socket layer. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cacheline.h"
#include "ip/ipv4.h"
#include "ip/tcp_parse.h"
#include "synq/rng.h"
#include "tcp/core.h"
#include "tcp/stack_internal.h"

uint64_t tcp_random(struct synq_stack *s)
{
	return synq_rng_next(&s->rng);
}

/* The random state and every key, from the seed alone. */
/* Forget every remembered timestamp offset (ts_key changed). */
static void ts_memo_forget(struct synq_stack *s)
{
	if (++s->ts_memo_gen == 0) {
		memset(s->ts_memo, 0, sizeof s->ts_memo);
		s->ts_memo_gen = 1;
	}
}

static void derive_secrets(struct synq_stack *s)
{
	ts_memo_forget(s);
	uint64_t sm = s->seed;
	synq_rng_seed(&s->rng, synq_splitmix64_next(&sm));
	struct siphash_key *keys[] = { &s->isn_key, &s->ts_key, &s->hash_key,
	                               &s->cookie_key[0], &s->cookie_key[1] };
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		keys[k]->k0 = synq_splitmix64_next(&sm);
		keys[k]->k1 = synq_splitmix64_next(&sm);
	}
	s->ip_id = (uint16_t)synq_splitmix64_next(&sm);
}

void synq_stack_set_secrets(struct synq_stack *s, const uint64_t words[SYNQ_SECRET_WORDS])
{
	struct siphash_key *keys[] = { &s->isn_key, &s->ts_key, &s->hash_key,
	                               &s->cookie_key[0], &s->cookie_key[1] };
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		keys[k]->k0 = words[2 * k];
		keys[k]->k1 = words[2 * k + 1];
	}
	synq_rng_seed(&s->rng, words[10]);
	s->ip_id = (uint16_t)words[11];
	ts_memo_forget(s);
}

static void pool_empty(struct pool *p)
{
	p->used = 0;
	p->own.high_water = 0;
	p->own.free_head = POOL_NONE;
	p->overflows = 0;
}

bool tcp_stack_in_slabs(const struct synq_stack *s)
{
	return pool_is_borrowed(&s->conns);
}

int tcp_stack_reset(struct synq_stack *s)
{
	if (tcp_stack_in_slabs(s))
		return -EINVAL;  /* which of the slabs' objects are its own? */
	bool objects = s->conns.used || s->requests.used || s->timewaits.used ||
	               s->listeners.used;
	if (objects) {
		/* Chains still hang off the buckets: empty them all (0 is
		 * empty, table.c). With every object gone they are already. */
		memset(s->buckets, 0, (s->bucket_mask + 1) * sizeof *s->buckets);
	}
	s->hashed = 0;
	struct pool *pools[] = { &s->conns, &s->requests, &s->timewaits, &s->listeners,
	                         &s->segbufs };
	for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++)
		pool_empty(pools[i]);
	/* Ports keep their key with a zero count once unbound; clear the
	 * slots used since creation, or the whole table if too many were. */
	if (s->bound_touched > BOUND_TOUCHED_MAX) {
		memset(s->bound_ports, 0, (s->bound_mask + 1) * sizeof *s->bound_ports);
	} else {
		for (uint32_t i = 0; i < s->bound_touched; i++)
			s->bound_ports[s->bound_slots[i]] = 0;
	}
	s->bound_touched = 0;
	s->port_hint = 0;
	s->cfg = s->created_cfg;
	s->now = 0;
	s->now_ms = 0;
	s->now_us = 0;
	derive_secrets(s);
	memset(&s->mib, 0, sizeof s->mib);
	memset(&s->drops, 0, sizeof s->drops);
	s->tw_overflows = 0;
	s->window_memo = (struct window_memo){ 0 };
	s->heap_len = 0;
	s->tw_head = s->tw_tail = TCP_NONE;
	return 0;
}

static uint32_t round_up_pow2(uint32_t n)
{
	uint32_t p = 1;
	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

static bool config_usable(const struct synq_config *cfg)
{
	return cfg->max_sockets > 0 && cfg->max_sockets < (1u << 24) &&
	       cfg->max_connections < (1u << 30) && cfg->max_requests < (1u << 30) &&
	       cfg->max_time_wait < (1u << 30) && cfg->max_listeners < 0xffff &&
	       cfg->mtu >= 68 + 40 && cfg->mtu <= 65535 && synq_hz_supported(cfg->hz) &&
	       cfg->buffer_bytes / SEGBUF_SIZE >= 16;
}

int tcp_stack_create(struct synq_stack **out, struct synq_slabs *slabs,
                     const struct synq_config *cfg, uint32_t addr, uint64_t seed,
                     const struct synq_stack_io *io)
{
	*out = NULL;
	if (!config_usable(cfg) || io == NULL || io->output == NULL)
		return -EINVAL;
	struct synq_stack *s = calloc_lines(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	s->cfg = *cfg;
	s->created_cfg = *cfg;
	s->seed = seed;
	s->addr = addr;
	s->io = *io;
	derive_secrets(s);

	uint32_t objects = cfg->max_connections + cfg->max_requests + cfg->max_time_wait;
	uint32_t timed = cfg->max_connections + cfg->max_requests;
	int err = 0;
	err |= pool_init(&s->requests, sizeof(struct tcp_request), cfg->max_requests);
	err |= pool_init(&s->listeners, sizeof(struct tcp_listener), cfg->max_listeners);
	if (slabs) {
		int lent = tcp_slabs_lend(slabs, s);
		if (lent) {
			tcp_stack_destroy(s);
			return lent;
		}
	} else {
		err |= pool_init(&s->conns, sizeof(struct tcp_conn), cfg->max_connections);
		err |= pool_init(&s->timewaits, sizeof(struct tcp_timewait), cfg->max_time_wait);
		err |= pool_init(&s->segbufs, SEGBUF_SIZE, cfg->buffer_bytes / SEGBUF_SIZE);
		/* A segment's payload is always written before it is read:
		 * clearing the header is enough (and 2 KB less to write per
		 * segment). */
		s->segbufs.clear_size = sizeof(struct segbuf);
	}
	/* One bucket per object it may hold, at most; it starts small, as a
	 * client's stack holds a handful, and a megabyte of buckets for each
	 * of hundreds of them sends every lookup to a cold page. */
	s->bucket_cap = round_up_pow2(objects > 16 ? objects : 16);
	uint32_t nbuckets = s->bucket_cap < TABLE_BUCKETS_MIN ? s->bucket_cap : TABLE_BUCKETS_MIN;
	s->buckets = calloc_lines(nbuckets, sizeof *s->buckets);
	s->bucket_mask = nbuckets - 1;
	s->bound_mask = 65535;
	s->bound_ports = calloc_lines(s->bound_mask + 1, sizeof *s->bound_ports);
	s->heap_cap = timed ? timed : 1;
	s->tw_head = s->tw_tail = TCP_NONE;
	s->heap = calloc_lines(s->heap_cap, sizeof *s->heap);
	if (err || !s->buckets || !s->bound_ports || !s->heap) {
		tcp_stack_destroy(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void tcp_stack_destroy(struct synq_stack *s)
{
	if (s == NULL)
		return;
	pool_destroy(&s->conns);
	pool_destroy(&s->requests);
	pool_destroy(&s->timewaits);
	pool_destroy(&s->listeners);
	pool_destroy(&s->segbufs);
	free(s->buckets);
	free(s->bound_ports);
	free(s->heap);
	free(s);
}

static void set_time(struct synq_stack *s, synq_time_t now)
{
#ifdef SYNQ_DEBUG
	assert(now >= s->now && "time went backwards");
#endif
	if (now > s->now) {
		s->now = now;
		s->now_ms = now / SYNQ_MSEC(1);
		s->now_us = (uint32_t)(now / SYNQ_USEC(1));
	}
}

void synq_stack_advance(struct synq_stack *s, synq_time_t now)
{
	set_time(s, now);
	tcp_timers_run(s);
}

synq_time_t synq_stack_next_deadline(const struct synq_stack *s)
{
	synq_time_t heap = tcp_timer_next(s);
	synq_time_t tw = tcp_timewait_next_deadline(s);
	return heap < tw ? heap : tw;
}

synq_time_t synq_stack_now(const struct synq_stack *s)
{
	return s->now;
}

uint32_t synq_stack_addr(const struct synq_stack *s)
{
	return s->addr;
}

struct synq_config *synq_stack_config(struct synq_stack *s)
{
	return &s->cfg;
}

const struct synq_mib *synq_stack_mib(const struct synq_stack *s)
{
	return &s->mib;
}

const struct synq_drop_counts *synq_stack_drops(const struct synq_stack *s)
{
	return &s->drops;
}

/* Map a packet-layer drop to Linux's IP counters (ip_rcv_core()). */
static void count_ip_drop(struct synq_stack *s, enum synq_drop_reason why)
{
	s->drops.by_reason[why]++;
	switch (why) {
	case SYNQ_DROP_IP_CHECKSUM:
		MIB_INC(s, IpExtInCsumErrors);
		MIB_INC(s, IpInHdrErrors);
		break;
	case SYNQ_DROP_IP_TRUNCATED:
		MIB_INC(s, IpExtInTruncatedPkts);
		break;
	case SYNQ_DROP_IP_FRAGMENT:
		MIB_INC(s, IpReasmFails);
		break;
	default:
		MIB_INC(s, IpInHdrErrors);
		break;
	}
}

static void stack_input(struct synq_stack *s, const uint8_t *pkt, size_t len, synq_time_t now,
                        bool checksum_verified)
{
	set_time(s, now);
	tcp_timers_run(s);
	MIB_INC(s, IpInReceives);

	struct ipv4_view ip;
	/* A verified datagram's IP header sum is right too (same builder). */
	enum synq_drop_reason why = checksum_verified ? ipv4_parse_verified(pkt, len, &ip)
	                                              : ipv4_parse(pkt, len, &ip);
	if (why != SYNQ_DROP_NONE) {
		count_ip_drop(s, why);
		return;
	}
	if (ip.dst_addr != s->addr) {
		MIB_INC(s, IpInAddrErrors);
		DROP(s, IP_OTHER_HOST);
		return;
	}
	if (ip.protocol != IPV4_PROTO_TCP) {
		/* ICMP is not modelled; other protocols are unknown here. */
		if (ip.protocol != IPV4_PROTO_ICMP)
			MIB_INC(s, IpInUnknownProtos);
		DROP(s, IP_PROTOCOL);
		return;
	}
	MIB_INC(s, IpInDelivers);

	struct tcp_segment seg;
#ifdef SYNQ_DEBUG
	/* the driver's word is checked where it costs nothing that counts */
	assert(!checksum_verified || ipv4_parse(pkt, len, &ip) == SYNQ_DROP_NONE);
	assert(!checksum_verified || tcp_parse(&ip, &seg, true) != SYNQ_DROP_TCP_CHECKSUM);
#endif
	why = tcp_parse_inline(&ip, &seg, !checksum_verified);
	if (why != SYNQ_DROP_NONE) {
		s->drops.by_reason[why]++;
		if (why == SYNQ_DROP_TCP_CHECKSUM)
			MIB_INC(s, TcpInCsumErrors);
		MIB_INC(s, TcpInErrs);
		return;
	}
	if (seg.opt.anomaly != TCP_OPTIONS_OK)
		MIB_INC(s, TcpExtTCPOptionAnomalies);
	MIB_INC(s, TcpInSegs);
	tcp_input(s, &seg);
}

void synq_stack_input(struct synq_stack *s, const uint8_t *pkt, size_t len,
                      synq_time_t now)
{
	stack_input(s, pkt, len, now, false);
}

void synq_stack_input_verified(struct synq_stack *s, const uint8_t *pkt, size_t len,
                               synq_time_t now)
{
	stack_input(s, pkt, len, now, true);
}

void tcp_output_datagram(struct synq_stack *s, const uint8_t *pkt, size_t len)
{
	MIB_INC(s, IpOutRequests);
	MIB_INC(s, TcpOutSegs);
	s->io.output(s->io.ctx, pkt, len);
}

uint32_t tcp_ts_now(const struct synq_stack *s)
{
	return (uint32_t)s->now_ms;
}

uint32_t tcp_ms_stamp(const struct synq_stack *s)
{
	return (uint32_t)s->now_ms;
}

uint32_t tcp_us_stamp(const struct synq_stack *s)
{
	return s->now_us;
}

uint32_t tcp_ts_seconds(const struct synq_stack *s)
{
	return (uint32_t)(s->now / SYNQ_SEC(1));
}

void tcp_stack_usage(const struct synq_stack *s, struct synq_stack_usage *u)
{
	const struct pool *pools[] = { &s->conns, &s->requests, &s->timewaits,
	                               &s->listeners, &s->segbufs };
	struct synq_table_usage *out[] = { &u->connections, &u->requests, &u->time_wait,
	                                   &u->listeners, &u->buffers };
	for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++)
		*out[i] = (struct synq_table_usage){ pools[i]->used, pools[i]->capacity,
		                                     pools[i]->overflows };
	u->time_wait.overflows += s->tw_overflows;
}

void tcp_object_sizes(struct synq_object_sizes *z)
{
	z->connection = sizeof(struct tcp_conn);
	z->request = sizeof(struct tcp_request);
	z->time_wait = sizeof(struct tcp_timewait);
	z->listener = sizeof(struct tcp_listener);
	/* one hash bucket (load factor <= 1) and one timer slot per object */
	z->table_slot = sizeof(uint32_t) + sizeof(struct timer_slot);
	z->time_wait_slot = sizeof(uint32_t); /* a bucket; the FIFO is inside */
}

const char *synq_tcp_state_name(enum synq_tcp_state state)
{
	static const char *const names[] = {
		[SYNQ_TCP_ESTABLISHED] = "ESTABLISHED", [SYNQ_TCP_SYN_SENT] = "SYN_SENT",
		[SYNQ_TCP_SYN_RECV] = "SYN_RECV",       [SYNQ_TCP_FIN_WAIT1] = "FIN_WAIT1",
		[SYNQ_TCP_FIN_WAIT2] = "FIN_WAIT2",     [SYNQ_TCP_TIME_WAIT] = "TIME_WAIT",
		[SYNQ_TCP_CLOSE] = "CLOSE",             [SYNQ_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[SYNQ_TCP_LAST_ACK] = "LAST_ACK",       [SYNQ_TCP_LISTEN] = "LISTEN",
		[SYNQ_TCP_CLOSING] = "CLOSING",
	};
	if ((unsigned)state < sizeof names / sizeof names[0] && names[state])
		return names[state];
	return "?";
}

void tcp_set_upcalls(struct synq_stack *s, const struct tcp_upcalls *up, void *ctx)
{
	s->up = *up;
	s->up_ctx = ctx;
}

void *tcp_upcall_ctx(const struct synq_stack *s)
{
	return s->up_ctx;
}

void tcp_upcall(struct synq_stack *s, uint32_t owner, enum tcp_event ev)
{
	if (owner == TCP_NO_OWNER)
		return;
	tcp_upcall_fn *fn;
	switch (ev) {
	case TCP_EV_DATA_READY:
		fn = s->up.data_ready;
		break;
	case TCP_EV_WRITE_SPACE:
		fn = s->up.write_space;
		break;
	case TCP_EV_STATE_CHANGE:
		fn = s->up.state_change;
		break;
	default:
		fn = s->up.error_report;
		break;
	}
	if (fn != NULL)
		fn(s->up_ctx, owner);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* NAT on the connection-tracking table (nat.h).
 *
 * Each tracked connection keeps two tuples, as nf_conntrack does: the
 * original one (the first packet as it arrived) and the reply one (how the
 * answer will arrive). NAT is nothing but a reply tuple that is not the
 * original inverted: a masqueraded connection from 192.168.1.2:5000 to
 * 203.0.113.9:80 is answered to public:5000 (or another port), a forwarded
 * one to public:80 is answered by the inside server. Every packet is then
 * rewritten the same way: one that matches the original tuple leaves as the
 * reply tuple inverted, one that matches the reply tuple leaves as the
 * original inverted. What nf_nat decides once, at the first packet, is the
 * reply tuple; the rest follows.
 *
 * Left out, as no scenario can tell: ports below 1024 keep no privileged
 * range of their own (nf_nat keeps 1-511 and 600-1023 apart); the meter is
 * a fixed table where a new source takes the slot of the one it hashes
 * onto (nftables' meter is a set with timeouts); INVALID packets are
 * dropped, as the usual "ct state invalid drop" rule does. */
#include "nat/nat.h"
#include "nat/conntrack_fast.h"

#include <errno.h>
#include <string.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"

enum { PORT_MIN = 1024, PORT_MAX = 65535 };

/* The fields of a TCP segment NAT looks at. */
struct nat_seg {
	uint32_t src_addr, dst_addr;
	uint16_t src_port, dst_port;
	uint8_t flags;
};

int nat_init(struct nat *n, const struct nat_config *cfg, const struct ct_config *ct)
{
	memset(n, 0, sizeof *n);
	n->cfg = *cfg;
	n->syn_limit.tokens = cfg->syn_burst ? cfg->syn_burst : 1;
	return ct_table_init(&n->ct, ct);
}

void nat_free(struct nat *n)
{
	ct_table_free(&n->ct);
}

static bool inside(const struct nat *n, uint32_t addr)
{
	return (addr & n->cfg.inside_mask) == n->cfg.inside_net;
}

static const struct nat_forward *forward_for(const struct nat *n, uint16_t port)
{
	for (unsigned i = 0; i < n->cfg.n_forwards; i++)
		if (n->cfg.forward[i].public_port == port)
			return &n->cfg.forward[i];
	return NULL;
}

/* A token bucket: rate per second, burst deep. */
static bool bucket_take(struct nat_bucket *b, double rate, uint32_t burst, synq_time_t now)
{
	double depth = burst ? burst : 1;
	b->tokens += rate * (double)(now - b->at) / 1e9;
	if (b->tokens > depth)
		b->tokens = depth;
	b->at = now;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
}

/* nftables "limit rate" and "meter": false if this new connection is over. */
static bool syn_allowed(struct nat *n, uint32_t src, synq_time_t now)
{
	if (n->cfg.syn_rate > 0 &&
	    !bucket_take(&n->syn_limit, n->cfg.syn_rate, n->cfg.syn_burst, now)) {
		n->stats.syn_limited++;
		return false;
	}
	if (n->cfg.meter_rate > 0) {
		struct nat_bucket *b = &n->meter[mix(src) % NAT_METER_SLOTS];
		if (!b->used || b->key != src)
			*b = (struct nat_bucket){ .tokens = n->cfg.meter_burst ? n->cfg.meter_burst : 1,
				                  .at = now, .key = src, .used = true };
		if (!bucket_take(b, n->cfg.meter_rate, n->cfg.meter_burst, now)) {
			n->stats.meter_limited++;
			return false;
		}
	}
	return true;
}

/* Masquerade: the reply comes to the public address, on the client's own
 * port if no other connection has that reply tuple, else on the first free
 * one from a point the tuple hashes to. */
static bool masquerade(struct nat *n, struct ct_entry *e)
{
	struct ct_tuple reply = { .src = e->orig.dst, .dst = n->cfg.public_addr,
		                  .sport = e->orig.dport, .dport = e->orig.sport };
	if (ct_tuple_taken(&n->ct, &reply)) {
		uint32_t range = PORT_MAX - PORT_MIN + 1;
		uint32_t start = mix(e->orig.src ^ mix(e->orig.dst ^ (uint32_t)e->orig.sport << 16 ^
		                                       e->orig.dport));
		bool found = false;
		for (uint32_t i = 0; i < NAT_PORT_TRIES && !found; i++) {
			reply.dport = (uint16_t)(PORT_MIN + (start + i) % range);
			found = !ct_tuple_taken(&n->ct, &reply);
		}
		if (!found)
			return false;
		n->stats.port_changed++;
	}
	ct_set_reply(&n->ct, e, &reply);
	n->stats.masqueraded++;
	return true;
}

/* Rewrite the packet's addresses and ports to `to`, patching both checksums
 * at once (RFC 1624, eqn. 3, over every changed word: HC' = ~(~HC + sum of
 * ~m + m')): the addresses count in the IP header's and, through the
 * pseudo-header, the TCP checksum, the ports in TCP's only. Words are
 * summed 32 bits at a time and folded once; one's complement sums agree
 * modulo 0xffff, so this is the sum field by field. */
static inline uint16_t fold_complement(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

static void rewrite(uint8_t *pkt, size_t ihl, const struct ct_tuple *from,
                    const struct ct_tuple *to)
{
	uint8_t *th = pkt + ihl;
	uint64_t addrs = 0, ports = 0;
	if (from->src != to->src) {
		addrs += (uint64_t)(uint32_t)~from->src + to->src;
		store_be32(pkt + 12, to->src);
	}
	if (from->dst != to->dst) {
		addrs += (uint64_t)(uint32_t)~from->dst + to->dst;
		store_be32(pkt + 16, to->dst);
	}
	if (from->sport != to->sport) {
		ports += (uint16_t)~from->sport + (uint32_t)to->sport;
		store_be16(th, to->sport);
	}
	if (from->dport != to->dport) {
		ports += (uint16_t)~from->dport + (uint32_t)to->dport;
		store_be16(th + 2, to->dport);
	}
	if (from->src != to->src || from->dst != to->dst)
		store_be16(pkt + 10, fold_complement((uint16_t)~load_be16(pkt + 10) + addrs));
	store_be16(th + 16, fold_complement((uint16_t)~load_be16(th + 16) + addrs + ports));
}

static struct ct_tuple inverse(const struct ct_tuple *t)
{
	return (struct ct_tuple){ .src = t->dst, .dst = t->src, .sport = t->dport,
		                  .dport = t->sport };
}

/* The closed port's answer (RFC 793): to an ACK, a reset at its ack number;
 * to anything else, a reset acknowledging it. */
static size_t closed_reset(const struct nat *n, const struct nat_seg *seg, const uint8_t *pkt,
                           size_t ihl, uint8_t *reply)
{
	const uint8_t *th = pkt + ihl;
	uint32_t seq = load_be32(th + 4), ack = load_be32(th + 8);
	size_t payload_len = load_be16(pkt + 2) - ihl - (size_t)(th[12] >> 4) * 4;
	struct ipv4_fields ipf = { .src_addr = n->cfg.public_addr, .dst_addr = seg->src_addr,
		                   .ttl = IPV4_DEFAULT_TTL, .protocol = IPV4_PROTO_TCP,
		                   .dont_fragment = true };
	struct tcp_segment rst = { .src_port = seg->dst_port, .dst_port = seg->src_port };
	if (seg->flags & TCP_ACK) {
		rst.seq = ack;
		rst.flags = TCP_RST;
	} else {
		rst.ack = seq + (uint32_t)payload_len + !!(seg->flags & TCP_SYN) +
		          !!(seg->flags & TCP_FIN);
		rst.flags = TCP_RST | TCP_ACK;
	}
	return tcp_segment_emit(reply, NAT_REPLY_MAX, &ipf, &rst);
}

/* What NAT reads of a datagram: the router has checked the IPv4 header
 * (ip_rcv()), so this only finds the TCP header and its fields; options
 * are not parsed and the TCP checksum is left to the ends, as with a NIC
 * that verified it (Linux's nf_conntrack_checksum looks at it otherwise).
 * False for anything but an unfragmented TCP segment with a whole header. */
static bool tcp_view(const uint8_t *pkt, size_t len, struct nat_seg *seg, size_t *ihl)
{
	if (len < IPV4_HEADER_MIN || (pkt[0] >> 4) != 4 || pkt[9] != IPV4_PROTO_TCP ||
	    (load_be16(pkt + 6) & 0x3fff) != 0)
		return false;
	size_t hl = (size_t)(pkt[0] & 0x0f) * 4;
	size_t total = load_be16(pkt + 2);
	if (hl < IPV4_HEADER_MIN || total > len || hl + 20 > total)
		return false;
	const uint8_t *th = pkt + hl;
	size_t doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || hl + doff > total)
		return false;
	*seg = (struct nat_seg){
		.src_addr = load_be32(pkt + 12), .dst_addr = load_be32(pkt + 16),
		.src_port = load_be16(th), .dst_port = load_be16(th + 2), .flags = th[13] & 0x3f,
	};
	*ihl = hl;
	return true;
}

/* A checksum patched with one of the entry's sums (ct_entry's sum_addrs,
 * sum_all; complemented for the reply direction): one fold. A checksum
 * field of 0xffff (never computed, but a packet may carry anything) goes
 * field by field (rewrite()), so that the result is the same bits either
 * way. */
static inline uint16_t patch(uint16_t checksum, uint16_t sum)
{
	uint32_t x = (uint32_t)(uint16_t)~checksum + sum;
	return (uint16_t)~((x & 0xffffu) + (x >> 16));
}

static enum nat_verdict untracked(struct nat *n, uint8_t *pkt, size_t ihl,
                                  const struct nat_seg *segp, struct ct_entry *known,
                                  enum ct_dir dir, synq_time_t now, uint8_t *reply,
                                  size_t *reply_len);

/* Any datagram: NAT's whole view of it (tcp_view()), then conntrack's
 * whole rules (untracked() does the fast path's work too, field by field). */
__attribute__((noinline)) static enum nat_verdict
nat_packet_general(struct nat *n, uint8_t *pkt, size_t len, synq_time_t now, uint8_t *reply,
                   size_t *reply_len)
{
	struct nat_seg seg;
	size_t ihl;
	if (!tcp_view(pkt, len, &seg, &ihl))
		return NAT_PASS;
	if (!inside(n, seg.src_addr) && seg.dst_addr != n->cfg.public_addr)
		return NAT_PASS; /* neither ours nor for us: routed as it is */
	struct ct_tuple pkt_tuple = { .src = seg.src_addr, .dst = seg.dst_addr,
		                      .sport = seg.src_port, .dport = seg.dst_port };
	enum ct_dir dir = CT_ORIGINAL;
	struct ct_entry *known = ct_find(&n->ct, &pkt_tuple, now, &dir);
	return untracked(n, pkt, ihl, &seg, known, dir, now, reply, reply_len);
}

enum nat_verdict nat_packet(struct nat *n, uint8_t *pkt, size_t len, synq_time_t now,
                            uint8_t *reply, size_t *reply_len)
{
	*reply_len = 0;
	/* Nearly every packet: an IPv4 header without options, unfragmented
	 * TCP, a whole TCP header (what tcp_view() checks, for ihl 5), of a
	 * connection both sides have spoken on. Anything else, and any packet
	 * whose tracking needs more than the ordinary step, goes the general
	 * way, which reads the packet afresh. */
	if (len < 40 || pkt[0] != 0x45 || pkt[9] != IPV4_PROTO_TCP ||
	    (load_be16(pkt + 6) & 0x3fff) != 0)
		return nat_packet_general(n, pkt, len, now, reply, reply_len);
	uint32_t total = load_be16(pkt + 2), doff = pkt[32] >> 4;
	if (total > len || doff < 5 || 20 + doff * 4 > total)
		return nat_packet_general(n, pkt, len, now, reply, reply_len);
	struct ct_tuple k = { .src = load_be32(pkt + 12), .dst = load_be32(pkt + 16),
		              .sport = load_be16(pkt + 20), .dport = load_be16(pkt + 22) };
	if (!inside(n, k.src) && k.dst != n->cfg.public_addr)
		return NAT_PASS; /* neither ours nor for us: routed as it is */
	int dir;
	uint32_t index = ct_lookup_as(&n->ct, &k, &dir, true);
	if (index == CT_NIL)
		return nat_packet_general(n, pkt, len, now, reply, reply_len);
	struct ct_entry *e = &n->ct.e[index];
	if (e->expires <= now || !ct_track_fast(&n->ct, e, (enum ct_dir)dir, pkt[33], now))
		return nat_packet_general(n, pkt, len, now, reply, reply_len);
	/* A connection both sides have spoken on, tracked already: it leaves
	 * as the other direction's tuple inverted (the packet's own tuple is
	 * its direction's, so it changes exactly when the entry is NAT's). */
	if (!e->translated)
		return NAT_PASS;
	const struct ct_tuple *other = dir == CT_ORIGINAL ? &e->reply : &e->orig;
	uint16_t flip = dir == CT_ORIGINAL ? 0 : 0xffff;
	/* both checksums as they lie (the entry's sums are kept so) */
	uint16_t ip_sum, tcp_sum;
	memcpy(&ip_sum, pkt + 10, sizeof ip_sum);
	memcpy(&tcp_sum, pkt + 36, sizeof tcp_sum);
	if (ip_sum == 0xffff || tcp_sum == 0xffff) {
		struct ct_tuple to = inverse(other);
		rewrite(pkt, 20, &k, &to);
	} else {
		store_be32(pkt + 12, other->dst);
		store_be32(pkt + 16, other->src);
		store_be32(pkt + 20, (uint32_t)other->dport << 16 | other->sport);
		ip_sum = patch(ip_sum, e->sum_addrs ^ flip);
		tcp_sum = patch(tcp_sum, e->sum_all ^ flip);
		memcpy(pkt + 10, &ip_sum, sizeof ip_sum);
		memcpy(pkt + 36, &tcp_sum, sizeof tcp_sum);
	}
	n->stats.translated++;
	return NAT_PASS;
}

/* Every other packet: a new connection, one not answered yet, or one whose
 * state moves in a way that needs looking at (conntrack's whole rules). */
__attribute__((noinline)) static enum nat_verdict
untracked(struct nat *n, uint8_t *pkt, size_t ihl, const struct nat_seg *segp,
          struct ct_entry *known, enum ct_dir dir, synq_time_t now, uint8_t *reply,
          size_t *reply_len)
{
	const struct nat_seg seg = *segp;
	struct ct_tuple pkt_tuple = { .src = seg.src_addr, .dst = seg.dst_addr,
		                      .sport = seg.src_port, .dport = seg.dst_port };
	bool from_inside = inside(n, seg.src_addr);
	/* What the packet becomes is decided by the entry's two tuples as they
	 * are now: a reset may remove the entry while it is tracked. */
	struct ct_tuple orig = known ? known->orig : pkt_tuple;
	struct ct_tuple answer = known ? known->reply : pkt_tuple;
	const struct nat_forward *fwd = NULL;
	if (known == NULL && !from_inside) {
		fwd = forward_for(n, seg.dst_port);
		if (fwd == NULL) {
			if (n->cfg.closed == NAT_CLOSED_STEALTH || (seg.flags & TCP_RST)) {
				n->stats.closed_drops++;
				return NAT_DROP;
			}
			n->stats.closed_resets++;
			*reply_len = closed_reset(n, &seg, pkt, ihl, reply);
			return *reply_len ? NAT_RESET : NAT_DROP;
		}
		if ((seg.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && !syn_allowed(n, seg.src_addr, now))
			return NAT_DROP;
	}
	if (known == NULL && from_inside && inside(n, seg.dst_addr))
		return NAT_PASS; /* inside to inside: not translated */

	struct ct_entry *e;
	uint64_t inserted = n->ct.stats.inserted;
	enum ct_verdict v =
		ct_track_found(&n->ct, known, dir, &pkt_tuple, seg.flags, now, &e, &dir);
	/* A new entry: a first packet, or a SYN that reopened a closed tuple
	 * (TIME_WAIT, CLOSE), which NAT sets up afresh. */
	bool fresh = n->ct.stats.inserted != inserted && e != NULL;
	if (v == CT_DROP_FULL) {
		n->stats.table_full++;
		return NAT_DROP;
	}
	if (v == CT_INVALID) {
		n->stats.invalid++;
		return NAT_DROP;
	}
	if (fresh) {
		/* A new connection: what nf_nat decides once. */
		if (!from_inside && fwd == NULL)
			fwd = forward_for(n, seg.dst_port);
		if (!from_inside && fwd == NULL) {
			/* reopened from outside on a tuple no forward covers */
			n->stats.closed_drops++;
			ct_remove(&n->ct, e);
			return NAT_DROP;
		}
		if (fwd) {
			struct ct_tuple inside_answer = {
				.src = fwd->inside_addr, .dst = seg.src_addr,
				.sport = fwd->inside_port, .dport = seg.src_port };
			ct_set_reply(&n->ct, e, &inside_answer);
			n->stats.forwarded++;
		} else if (!masquerade(n, e)) {
			n->stats.no_port++;
			ct_remove(&n->ct, e);
			return NAT_DROP;
		}
		orig = e->orig;
		answer = e->reply;
	}
	if (known == NULL && e == NULL)
		return NAT_PASS;
	/* A reset may have removed the entry: it still leaves translated. */
	struct ct_tuple to = dir == CT_ORIGINAL ? inverse(&answer) : inverse(&orig);
	if (to.src != pkt_tuple.src || to.dst != pkt_tuple.dst || to.sport != pkt_tuple.sport ||
	    to.dport != pkt_tuple.dport) {
		rewrite(pkt, ihl, &pkt_tuple, &to);
		n->stats.translated++;
	}
	return NAT_PASS;
}

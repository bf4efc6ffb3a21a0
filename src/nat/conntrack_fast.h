/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_NAT_CONNTRACK_FAST_H
#define SYNQ_NAT_CONNTRACK_FAST_H

/* conntrack.c's index lookup and its ordinary tracking step, inline, so
 * that nat.c's path for a packet of an answered connection is one function
 * with no call in it. Internal to src/nat: the layout of the index and of
 * the step table is conntrack.c's business. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nat/conntrack.h"

#define CT_NIL UINT32_MAX

/* One 64-bit mix of the packed tuple (two multiplies): the high half
 * picks the first slot (scaled to nslots by a multiply, so that nslots
 * need not be a power of two), bits above node_bits in the low half give
 * the tag. */
static inline uint64_t ct_tuple_hash(const struct ct_tuple *k)
{
	uint64_t x = ((uint64_t)k->src << 32 | k->dst) * 0x9e3779b97f4a7c15u +
	             ((uint32_t)k->sport << 16 | k->dport);
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93u;
	return x ^ x >> 29;
}

static inline uint32_t ct_home_slot(const struct ct_table *t, uint64_t h)
{
	return (uint32_t)((h >> 32) * t->nslots >> 32);
}

/* The tag, where a slot keeps it: above the node. */
static inline uint32_t ct_tag_bits(const struct ct_table *t, uint64_t h)
{
	return (uint32_t)h & t->tag_field;
}

static inline const struct ct_tuple *ct_tuple_of(const struct ct_entry *e, uint32_t dir)
{
	return dir == CT_ORIGINAL ? &e->orig : &e->reply;
}

/* A stored tuple against the one looked up, field by field. */
static inline bool ct_same(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport;
}

/* The same as two words (the tuple has no padding): fewer instructions,
 * but only for a tuple that is not being written field by field just
 * before: a load spanning two smaller stores still in flight waits for
 * them to reach the cache (a store forwarding stall). With the tracking
 * bench's tuples, built afresh on the stack for every packet, tracking
 * alone ran at half the speed that way; nat.c's, read from the packet,
 * is compared long after it was written (behind the index's cache miss). */
static inline bool ct_same_words(const struct ct_tuple *a, const struct ct_tuple *b)
{
	uint64_t a_addrs, b_addrs;
	uint32_t a_ports, b_ports;
	memcpy(&a_addrs, &a->src, sizeof a_addrs);
	memcpy(&b_addrs, &b->src, sizeof b_addrs);
	memcpy(&a_ports, &a->sport, sizeof a_ports);
	memcpy(&b_ports, &b->sport, sizeof b_ports);
	return ((a_addrs ^ b_addrs) | (a_ports ^ b_ports)) == 0;
}
_Static_assert(sizeof(struct ct_tuple) == 12, "struct ct_tuple has no padding");

/* The entry holding tuple k in either direction (expired or not) and the
 * direction, or CT_NIL; words: compare with ct_same_words(). */
static inline uint32_t ct_lookup_as(const struct ct_table *t, const struct ct_tuple *k,
                                    int *dir, bool words)
{
	uint64_t h = ct_tuple_hash(k);
	const uint32_t *slot = t->slot;
	const struct ct_entry *e = t->e;
	uint32_t mask = t->node_mask, want = ct_tag_bits(t, h), end = t->nslots;
	for (uint32_t i = ct_home_slot(t, h);;) {
		uint32_t s = slot[i];
		if (s == 0)
			return CT_NIL;
		if ((s & ~mask) == want) {
			uint32_t node = (s & mask) - 1;
			const struct ct_tuple *c = ct_tuple_of(&e[node >> 1], node & 1);
			if (words ? ct_same_words(c, k) : ct_same(c, k)) {
				*dir = (int)(node & 1);
				return node >> 1;
			}
		}
		if (++i == end)
			i = 0;
	}
}

static inline uint32_t ct_lookup(const struct ct_table *t, const struct ct_tuple *k, int *dir)
{
	return ct_lookup_as(t, k, dir, false);
}

/* The ordinary step (ct_table's step[]): an entry both sides have answered
 * on, moved to a state that is neither invalid, ignored, nor a reopening
 * (SYN_SENT next). What the whole rules (conntrack.c's track_slow()) do
 * for it, without the cases that cannot apply. False, changing nothing,
 * for any other packet. */
static inline bool ct_track_fast(struct ct_table *t, struct ct_entry *e, enum ct_dir d,
                                 uint8_t flags, synq_time_t now)
{
	if (!e->seen_reply)
		return false;
	uint8_t step = t->step[d][flags & 0x3f][e->state];
	if (step == CT_STEP_NONE)
		return false;
	uint8_t next = step & CT_STEP_STATE;
	t->stats.found++;
	if ((step & CT_STEP_ASSURES) && !e->assured) {
		e->assured = true;
		t->stats.assured++;
	}
	e->last_ignored = 0xff;
	e->state = next;
	e->expires = now + t->cfg.timeout[next];
	return true;
}

#endif

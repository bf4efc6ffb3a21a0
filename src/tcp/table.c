/* SPDX-License-Identifier: BSD-2-Clause */
/* Lookup tables: the 4-tuple hash (Linux's established hash, holding
 * requests, connections and TIME-WAITs alike), the listeners, and ports. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "base/cacheline.h"
#include "tcp/stack_internal.h"

uint32_t tcp_table_hash(const struct synq_stack *s, const struct tcp_tuple *t)
{
	/* A keyed 64-bit mix (murmur3's finaliser); the key is per stack. */
	uint64_t x = ((uint64_t)t->local_addr << 32 | t->remote_addr) ^ s->hash_key.k0;
	x ^= ((uint64_t)t->local_port << 16 | t->remote_port) * 0x9e3779b97f4a7c15ull;
	x ^= s->hash_key.k1;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Every kind of object starts with hash_next and then its tuple. */
struct hashed {
	uint32_t hash_next;
	struct tcp_tuple tuple;
};

static struct hashed *hashed_at(const struct synq_stack *s, uint32_t handle)
{
	uint32_t i = TCP_HANDLE_INDEX(handle);
	switch (TCP_HANDLE_KIND(handle)) {
	case TCP_OBJ_CONN:
		return pool_at(&s->conns, i);
	case TCP_OBJ_REQUEST:
		return pool_at(&s->requests, i);
	default:
		return pool_at(&s->timewaits, i);
	}
}

_Static_assert(offsetof(struct tcp_conn, tuple) == offsetof(struct hashed, tuple), "");
_Static_assert(offsetof(struct tcp_request, tuple) == offsetof(struct hashed, tuple), "");
_Static_assert(offsetof(struct tcp_timewait, tuple) == offsetof(struct hashed, tuple), "");

/* A bucket holds the complement of its chain's first handle, so that an
 * empty bucket (TCP_NONE) is 0: the table starts as memory fresh from
 * calloc(), pages the kernel maps only when a chain first lands there,
 * instead of being filled with TCP_NONE at every stack's creation (a
 * megabyte for each of a thousand client stacks). */
static uint32_t *bucket_of(const struct synq_stack *s, uint32_t hash)
{
	return &s->buckets[hash & s->bucket_mask];
}

uint32_t tcp_table_lookup(const struct synq_stack *s, const struct tcp_tuple *t)
{
	return tcp_table_lookup_at(s, t, tcp_table_hash(s, t));
}

uint32_t tcp_table_lookup_at(const struct synq_stack *s, const struct tcp_tuple *t,
                             uint32_t hash)
{
	uint32_t h = ~*bucket_of(s, hash);
	while (h != TCP_NONE) {
		const struct hashed *o = hashed_at(s, h);
		if (tcp_tuple_equal(&o->tuple, t))
			return h;
		h = o->hash_next;
	}
	return TCP_NONE;
}

/* How many buckets ahead split_chains() asks for a chain's first object:
 * chains are a bucket long or less, and the objects lie anywhere in their
 * pools (a server's table grows as its TIME-WAITs pile up, and reading
 * each one's tuple in turn was two thirds of its inserts' time). */
#define SPLIT_PREFETCH 8u

/* The chains of buckets [0, m), hashed on m buckets, spread over [0, 2m)
 * (the array has room): each object stays in bucket i or moves to i + m,
 * and keeps its order among those that go the same way, so a lookup finds
 * what it found before. */
static void split_chains(struct synq_stack *s, uint32_t m)
{
	for (uint32_t i = 0; i < m; i++) {
		uint32_t ahead = i + SPLIT_PREFETCH < m ? ~s->buckets[i + SPLIT_PREFETCH] : TCP_NONE;
		if (ahead != TCP_NONE)
			__builtin_prefetch(&hashed_at(s, ahead)->tuple);
		uint32_t first[2] = { TCP_NONE, TCP_NONE };
		struct hashed *last[2] = { NULL, NULL };
		for (uint32_t h = ~s->buckets[i]; h != TCP_NONE;) {
			struct hashed *o = hashed_at(s, h);
			bool upper = (tcp_table_hash(s, &o->tuple) & m) != 0;
			if (last[upper] != NULL)
				last[upper]->hash_next = h;
			else
				first[upper] = h;
			last[upper] = o;
			h = o->hash_next;
		}
		for (int half = 0; half < 2; half++)
			if (last[half] != NULL)
				last[half]->hash_next = TCP_NONE;
		s->buckets[i] = ~first[0];
		s->buckets[i + m] = ~first[1];
	}
}

static void grow(struct synq_stack *s)
{
	uint32_t m = s->bucket_mask + 1;
	uint32_t *wider = realloc_lines(s->buckets, (size_t)m * sizeof *wider,
	                                (size_t)2 * m * sizeof *wider);
	if (wider == NULL)
		return; /* chains grow longer instead; answers stay the same */
	s->buckets = wider;
	split_chains(s, m);
	s->bucket_mask = 2 * m - 1;
}

void tcp_table_restore(struct synq_stack *s, const uint32_t *saved, uint32_t count)
{
	assert(count <= s->bucket_mask + 1 && "the table only grows");
	memcpy(s->buckets, saved, (size_t)count * sizeof *saved);
	for (uint32_t m = count; m <= s->bucket_mask; m *= 2)
		split_chains(s, m);
}

void tcp_table_insert(struct synq_stack *s, uint32_t handle)
{
	tcp_table_insert_at(s, handle, tcp_table_hash(s, &hashed_at(s, handle)->tuple));
}

void tcp_table_insert_at(struct synq_stack *s, uint32_t handle, uint32_t hash)
{
	if (s->hashed > s->bucket_mask && s->bucket_mask < s->bucket_cap - 1)
		grow(s);
	s->hashed++;
	struct hashed *o = hashed_at(s, handle);
	uint32_t *bucket = bucket_of(s, hash);
	o->hash_next = ~*bucket;
	*bucket = ~handle;
}

void tcp_table_remove(struct synq_stack *s, uint32_t handle)
{
	tcp_table_remove_at(s, handle, tcp_table_hash(s, &hashed_at(s, handle)->tuple));
}

void tcp_table_remove_at(struct synq_stack *s, uint32_t handle, uint32_t hash)
{
	struct hashed *o = hashed_at(s, handle);
	uint32_t *bucket = bucket_of(s, hash);
	if (~*bucket == handle) {
		*bucket = ~o->hash_next;
		o->hash_next = TCP_NONE;
		s->hashed--;
		return;
	}
	for (uint32_t h = ~*bucket; h != TCP_NONE;) {
		struct hashed *prev = hashed_at(s, h);
		if (prev->hash_next == handle) {
			prev->hash_next = o->hash_next;
			o->hash_next = TCP_NONE;
			s->hashed--;
			return;
		}
		h = prev->hash_next;
	}
}

struct tcp_listener *tcp_listener_lookup(struct synq_stack *s, uint32_t addr, uint16_t port)
{
	/* Few listeners per host: a scan, exact address before the wildcard. */
	struct tcp_listener *wildcard = NULL;
	for (uint32_t i = 0; i < s->listeners.own.high_water; i++) {
		struct tcp_listener *l = pool_at(&s->listeners, i);
		if (!l->in_use || l->port != port)
			continue;
		if (l->addr == addr)
			return l;
		if (l->addr == 0)
			wildcard = l;
	}
	return wildcard;
}

/* ----------------------------------------------------------------- ports */

static uint32_t *port_slot(struct synq_stack *s, uint16_t port, bool for_insert)
{
	/* No port was ever bound (a client's stack, which only connects):
	 * nothing to find, and no need to read a random slot of a 256 KiB
	 * table, a page the process touches for the first time and a cache
	 * miss at every connect(). */
	if (!for_insert && s->bound_touched == 0)
		return NULL;
	uint32_t i = (port * 0x9e3779b1u) >> 16 & s->bound_mask;
	for (uint32_t probes = 0; probes <= s->bound_mask; probes++) {
		uint32_t *e = &s->bound_ports[(i + probes) & s->bound_mask];
		if (*e == 0) {
			if (!for_insert)
				return NULL;
			if (s->bound_touched < BOUND_TOUCHED_MAX)
				s->bound_slots[s->bound_touched] = (uint32_t)(e - s->bound_ports);
			if (s->bound_touched <= BOUND_TOUCHED_MAX)
				s->bound_touched++;
			return e;
		}
		if (*e >> 16 == port)
			return e;
	}
	return NULL;
}

void tcp_port_ref(struct synq_stack *s, uint16_t port)
{
	uint32_t *e = port_slot(s, port, true);
	if (e == NULL)
		return; /* table sized for every socket: cannot happen */
	*e = (uint32_t)port << 16 | ((*e & 0xffff) + 1);
}

void tcp_port_unref(struct synq_stack *s, uint16_t port)
{
	uint32_t *e = port_slot(s, port, false);
	if (e == NULL || (*e & 0xffff) == 0)
		return;
	*e -= 1;
	/* Keep the key with a zero count: removing from linear probing would
	 * need a rehash, and the table is small and bounded by port count. */
}

bool tcp_port_in_use(struct synq_stack *s, uint32_t addr, uint16_t port, bool reuse)
{
	if (tcp_listener_lookup(s, addr, port) != NULL)
		return true;
	if (reuse)
		return false;
	uint32_t *e = port_slot(s, port, false);
	return e != NULL && (*e & 0xffff) != 0;
}

/* A local port from a random point of ip_local_port_range, walking up and
 * wrapping: the first not in use (an autobind, inet_csk_get_port()) or,
 * for a connect(), the first whose whole 4-tuple is also free (Linux's
 * __inet_hash_connect() walks from a hashed offset in the same spirit).
 * 0 if the range has none (the range starts at 1 or above). */
uint16_t tcp_port_pick(struct synq_stack *s, const struct tcp_tuple *t, bool reuse,
                       bool whole_tuple)
{
	uint32_t low = (uint32_t)s->cfg.ip_local_port_range[0];
	uint32_t high = (uint32_t)s->cfg.ip_local_port_range[1];
	if (high < low)
		return 0;
	uint32_t span = high - low + 1;
	uint32_t offset = (uint32_t)(tcp_random(s) % span);
	struct tcp_tuple probe = *t;
	for (uint32_t k = 0; k < span; k++) {
		probe.local_port = (uint16_t)(low + (offset + k) % span);
		if (tcp_port_in_use(s, probe.local_addr, probe.local_port, reuse))
			continue;
		if (!whole_tuple || tcp_table_lookup(s, &probe) == TCP_NONE)
			return probe.local_port;
	}
	return 0;
}

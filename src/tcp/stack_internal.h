/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_STACK_INTERNAL_H
#define SYNQ_TCP_STACK_INTERNAL_H

/* The stack object. Everything a host's TCP/IP state consists of lives
 * here; there is no other state anywhere. */

#include "synq/rng.h"
#include "synq/stack.h"
#include "tcp/tcp.h"

/* A heap entry: the deadline as a millisecond tick (compared by
 * wrap-around difference) and whose it is. */
struct timer_slot {
	uint32_t when_ms;
	uint32_t handle;
};

/* The last initial window computed (output.c's initial_window()). */
struct window_memo {
	uint32_t space, mss, window;
};

/* Timestamp offsets computed lately, by address pair (conn.c): an entry
 * counts only while its gen is the stack's ts_memo_gen. */
#define TS_MEMO_SLOTS 256
struct ts_memo {
	uint32_t local_addr, remote_addr, offset, gen;
};

/* Port slots remembered for a cheap reset; beyond this, reset clears the
 * whole port table. */
#define BOUND_TOUCHED_MAX 32

struct synq_stack {
	/* What every segment in or out reads or writes, first and together:
	 * a simulation runs hundreds of client stacks, each cold in the cache
	 * when its next segment comes, and every line it must fetch again is
	 * a miss. Colder state follows. */
	synq_time_t now;
	/* now in whole milliseconds and (cut to 32 bits) microseconds, kept
	 * with it: the stamps every segment takes */
	int64_t now_ms;
	uint32_t now_us;
	uint32_t addr;
	struct synq_stack_io io;
	/* readiness hooks of the owners' layer (upcall.h) */
	struct tcp_upcalls up;
	void *up_ctx;
	uint16_t ip_id;

	/* the 4-tuple hash: its buckets double, up to bucket_cap, whenever
	 * it holds more objects than buckets (table.c) */
	struct siphash_key hash_key;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t bucket_cap;
	uint32_t hashed;

	/* the timer heap */
	struct timer_slot *heap;
	uint32_t heap_len;
	uint32_t heap_cap;
	bool heap_top_settled;       /* heap[0]'s key is its exact deadline */
	/* TIME-WAITs by deadline */
	uint32_t tw_head;
	uint32_t tw_tail;
	struct window_memo window_memo;

	struct pool conns;
	struct pool segbufs;
	struct pool timewaits;
	struct pool requests;
	struct pool listeners;

	struct synq_config cfg;

	struct synq_rng rng;         /* port choices (synq/rng.h) */
	struct siphash_key isn_key;
	struct siphash_key ts_key;
	struct siphash_key cookie_key[2];
	uint32_t ts_memo_gen;        /* bumped whenever ts_key changes */
	struct ts_memo ts_memo[TS_MEMO_SLOTS];

	struct synq_mib mib;
	struct synq_drop_counts drops;
	uint64_t tw_overflows;

	struct synq_config created_cfg; /* what reset returns to */
	uint64_t seed;

	/* explicitly bound ports: open addressing, port -> count */
	uint32_t *bound_ports;       /* port << 16 | count, 0 = empty */
	uint32_t bound_mask;
	uint32_t port_hint;
	uint32_t bound_touched;      /* slots given a key since creation or reset */
	uint32_t bound_slots[BOUND_TOUCHED_MAX];

	uint8_t tx[SEGBUF_SIZE + 128]; /* one datagram being built; last (snapshot.c) */
};

#define MIB_INC(s, name) ((s)->mib.value[SYNQ_MIB_##name]++)
#define MIB_ADD(s, name, n) ((s)->mib.value[SYNQ_MIB_##name] += (n))
#define MIB_DEC(s, name) ((s)->mib.value[SYNQ_MIB_##name]--)
#define DROP(s, reason) ((s)->drops.by_reason[SYNQ_DROP_##reason]++)

static inline uint32_t *tcp_handle_slot(struct synq_stack *s, uint32_t handle)
{
	uint32_t i = TCP_HANDLE_INDEX(handle);
	switch (TCP_HANDLE_KIND(handle)) {
	case TCP_OBJ_CONN:
		return &((struct tcp_conn *)pool_at(&s->conns, i))->timer_slot;
	default:
		return &((struct tcp_request *)pool_at(&s->requests, i))->timer_slot;
	}
}

#endif

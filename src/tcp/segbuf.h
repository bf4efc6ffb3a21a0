/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_SEGBUF_H
#define SYNQ_TCP_SEGBUF_H

/* Segment buffers: the stack's only data storage.
 *
 * A segbuf holds the payload of at most one segment (up to SEGBUF_DATA
 * bytes) plus what the sender needs to know about it: its sequence number,
 * whether it was SACKed, marked lost, retransmitted, and when it last left.
 * Send queues, receive queues and out-of-order queues are singly linked
 * lists of segbufs drawn from one stack-wide pool, sized by the config. A
 * flood can exhaust the pool, never the process (Linux's tcp_mem pressure
 * plays the same role). */

#include <stdbool.h>
#include <stdint.h>

#include "synq/time.h"
#include "tcp/pool.h"

#define SEGBUF_SIZE 2048

/* What the sender knows about a segment (Linux's TCPCB_* sacked bits). */
enum segbuf_mark {
	SEGBUF_SACKED = 0x01,       /* covered by a SACK block */
	SEGBUF_RETRANS = 0x02,      /* retransmitted, not yet known lost again */
	SEGBUF_LOST = 0x04,         /* deemed lost, to be retransmitted */
	SEGBUF_EVER_RETRANS = 0x08, /* retransmitted at least once */
	SEGBUF_UNIT_END = 0x10,     /* last of an skb as Linux would hold it:
	                               a full skb of a write, or a unit sent
	                               together; no unit crosses it */
};

struct segbuf {
	uint32_t next;       /* first field: the pool chains free ones here */
	uint32_t seq;        /* sequence number of data[off] */
	uint16_t off;
	uint16_t len;        /* payload bytes, from data[off] */
	uint8_t mark;        /* enum segbuf_mark */
	uint8_t tcp_flags;   /* TCP_FIN (or TCP_SYN) carried with the data;
	                        TCP_PSH on the end of a write */
	uint16_t skb_fill;   /* unsent: bytes of its skb up to its end */
	union {
		synq_time_t sent_at; /* sent: last transmission; 0 = never */
		struct {             /* received: the skbs whose last bytes are
		                        here (rmem.c) */
			uint32_t truesize; /* their charge; 0 = none end here */
			uint16_t tailroom; /* room the last one has for more
			                      data (collapsed skbs only) */
			uint16_t skbs;     /* how many */
		} rx;
	};
	uint8_t data[];
};

#define SEGBUF_DATA ((uint16_t)(SEGBUF_SIZE - sizeof(struct segbuf)))

/* Sequence space a segment occupies: payload plus one for SYN and FIN. */
static inline uint32_t segbuf_end_seq(const struct segbuf *b)
{
	return b->seq + b->len + ((b->tcp_flags & 0x01) ? 1u : 0u) +
	       ((b->tcp_flags & 0x02) ? 1u : 0u);
}

/* A FIFO of segbufs. */
struct segq {
	uint32_t head;
	uint32_t tail;
};

#define SEGQ_EMPTY ((struct segq){ POOL_NONE, POOL_NONE })

static inline bool segq_empty(const struct segq *q)
{
	return q->head == POOL_NONE;
}

/* The segbuf at index, or NULL for POOL_NONE. */
static inline struct segbuf *segbuf_at(const struct pool *pool, uint32_t index)
{
	return index == POOL_NONE ? 0 : (struct segbuf *)pool_at(pool, index);
}

/* The segbuf at an index known to be valid. */
static inline struct segbuf *segbuf_get(const struct pool *pool, uint32_t index)
{
	return (struct segbuf *)pool_at(pool, index);
}

void segq_push_tail(struct pool *pool, struct segq *q, uint32_t index);
/* Unlink and return the head (POOL_NONE if empty); the caller frees it. */
uint32_t segq_pop_head(struct pool *pool, struct segq *q);
/* Insert index after prev (POOL_NONE: at the head). */
void segq_insert_after(struct pool *pool, struct segq *q, uint32_t prev, uint32_t index);
/* Unlink next-of-prev (prev POOL_NONE: the head); returns it. */
uint32_t segq_remove_after(struct pool *pool, struct segq *q, uint32_t prev);
/* Payload bytes in the queue (a walk: for queues that are short or
 * rarely asked, such as the out-of-order queue). */
uint32_t segq_bytes(const struct pool *pool, const struct segq *q);
/* Free every segbuf in the queue. */
void segq_purge(struct pool *pool, struct segq *q);

#endif

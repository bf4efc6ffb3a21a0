/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_TIMEWAIT_H
#define SYNQ_TCP_TIMEWAIT_H

/* A TIME-WAIT (or orphaned FIN_WAIT2) leftover of a connection
 * (timewait.c). */

#include "tcp/base.h"
#include "ip/tcp_wire.h"

struct synq_stack;
struct tcp_conn;

/* TIME-WAITs time out in the order they were made (nearly always 60 s
 * after their last reset), so they wait in a FIFO sorted by deadline
 * rather than in the timer heap: 8 bytes of links instead of a heap slot. */
struct tcp_timewait {
	uint32_t hash_next;
	struct tcp_tuple tuple;
	uint32_t prev;              /* the deadline FIFO */
	uint32_t next;
	uint32_t deadline_ms;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t ts_recent;
	uint32_t ts_recent_stamp;   /* seconds */
	uint32_t ts_offset;
	uint16_t rcv_wnd;           /* as last advertised, already shifted */
	uint8_t rcv_wscale;
	uint8_t substate;           /* SYNQ_TCP_TIME_WAIT or SYNQ_TCP_FIN_WAIT2 */
	uint8_t ts_ok;
	uint8_t pad[3];
};

/* timewait.c */
void tcp_time_wait(struct synq_stack *s, struct tcp_conn *c, uint8_t substate,
                   synq_time_t timeout);
void tcp_timewait_input(struct synq_stack *s, struct tcp_timewait *tw,
                        const struct tcp_segment *seg);
void tcp_timewait_free(struct synq_stack *s, struct tcp_timewait *tw);
/* Expire due TIME-WAITs; the next TIME-WAIT deadline (SYNQ_TIME_NEVER). */
void tcp_timewait_expire(struct synq_stack *s);
/* Is the oldest TIME-WAIT due now? */
bool tcp_timewait_due(const struct synq_stack *s);
synq_time_t tcp_timewait_next_deadline(const struct synq_stack *s);

#endif

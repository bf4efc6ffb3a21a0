/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_BASE_H
#define SYNQ_TCP_BASE_H

/* What every TCP file speaks: Linux's constants, the handles that name
 * objects, the 4-tuple, and sequence-space arithmetic. */

#include <stdbool.h>
#include <stdint.h>

#include "synq/time.h"

/* ------------------------------------------------------------ constants */

/* include/net/tcp.h */
#define TCP_TIMEOUT_INIT SYNQ_SEC(1)
#define TCP_RTO_MIN SYNQ_MSEC(200)
#define TCP_RTO_MAX SYNQ_SEC(120)
#define TCP_TIMEWAIT_LEN SYNQ_SEC(60)
#define TCP_DELACK_MIN SYNQ_MSEC(40)
#define TCP_DELACK_MAX SYNQ_MSEC(200)
#define TCP_ATO_MIN SYNQ_MSEC(40)
#define TCP_RESOURCE_PROBE_INTERVAL SYNQ_MSEC(500)
#define TCP_KEEPALIVE_TIME SYNQ_SEC(7200)
#define TCP_PAWS_24DAYS (60 * 60 * 24 * 24) /* seconds */
#define TCP_PAWS_WINDOW 1
#define TCP_PAWS_MSL 60                    /* seconds */
#define TCP_INIT_CWND 10
#define TCP_MAX_WSCALE 14
#define TCP_MSS_DEFAULT 536
#define TCP_MIN_MSS 88
#define TCP_MAX_QUICKACKS 16
#define TCP_INFINITE_SSTHRESH 0x7fffffff
#define TCP_SYNQ_OVERFLOW_WINDOW SYNQ_SEC(120) /* cookie ACKs considered */

/* ----------------------------------------------------------- handles */

enum tcp_obj_kind {
	TCP_OBJ_CONN = 0,
	TCP_OBJ_REQUEST = 1,
	TCP_OBJ_TIMEWAIT = 2,
};

#define TCP_HANDLE(kind, index) ((uint32_t)(kind) << 30 | (index))
#define TCP_HANDLE_KIND(h) ((enum tcp_obj_kind)((h) >> 30))
#define TCP_HANDLE_INDEX(h) ((h) & 0x3fffffffu)
#define TCP_NONE UINT32_MAX

/* ----------------------------------------------------------- identity */

/* Addresses and ports, host order, from this host's point of view. */
struct tcp_tuple {
	uint32_t local_addr;
	uint32_t remote_addr;
	uint16_t local_port;
	uint16_t remote_port;
};

static inline bool tcp_tuple_equal(const struct tcp_tuple *a, const struct tcp_tuple *b)
{
	return a->local_addr == b->local_addr && a->remote_addr == b->remote_addr &&
	       a->local_port == b->local_port && a->remote_port == b->remote_port;
}

static inline uint16_t tcp_ato_clamp(uint32_t ms)
{
	return ms > 0xffff ? 0xffff : (uint16_t)ms;
}

/* Sequence-space comparisons (RFC 9293 modular arithmetic). */
static inline bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_after(uint32_t a, uint32_t b)
{
	return seq_before(b, a);
}
static inline bool seq_between(uint32_t seq, uint32_t low, uint32_t high)
{
	return high - low >= seq - low; /* low <= seq <= high */
}

#endif

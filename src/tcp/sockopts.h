/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_SOCKOPTS_H
#define SYNQ_TCP_SOCKOPTS_H

#include <stdint.h>

/* The options a socket carries; a listener's are inherited by its children. */
struct tcp_sockopts {
	uint32_t sndbuf;           /* bytes (SO_SNDBUF stores twice the request) */
	uint32_t rcvbuf;
	uint32_t user_timeout_ms;  /* TCP_USER_TIMEOUT */
	uint16_t keepidle_s;       /* 0 = the sysctl; at most 32767 */
	uint16_t keepintvl_s;
	uint16_t user_mss;         /* TCP_MAXSEG */
	uint16_t linger_s;
	uint8_t keepcnt : 7;       /* at most 127 */
	uint8_t inq : 1;           /* TCP_INQ */
	uint8_t syncnt : 7;        /* TCP_SYNCNT, 0 = the sysctl; at most 127 */
	uint8_t linger_on : 1;
	uint8_t defer_accept;      /* TCP_DEFER_ACCEPT as a retransmission count */
	uint8_t nodelay : 1;
	uint8_t cork : 1;
	uint8_t keepalive : 1;
	uint8_t reuseaddr : 1;
	uint8_t sndbuf_locked : 1;
	uint8_t rcvbuf_locked : 1;
};

#endif

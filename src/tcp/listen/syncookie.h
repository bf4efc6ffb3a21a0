/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_SYNCOOKIE_H
#define SYNQ_TCP_SYNCOOKIE_H

/* SYN cookies in Linux's IPv4 format: the initial sequence number of a
 * SYN-ACK that carries, instead of a stored request, a MAC of the
 * connection, a minute counter and a quantised MSS; and the SYN-ACK's
 * timestamp, which carries the peer's window scale, SACK and ECN. The
 * essay (why, layout, validity window, threat model) opens syncookie.c.
 *
 * Every function is pure: keys, time and sysctls are arguments. Addresses
 * and ports are in host byte order. */

#include <stdbool.h>
#include <stdint.h>

#include "synq/time.h"
#include "tcp/siphash.h"

/* One counter tick per minute (Linux: TCP_SYNCOOKIE_PERIOD = 60 * HZ). */
#define SYNCOOKIE_PERIOD_NS SYNQ_SEC(60)
/* A cookie is accepted while the counter is unchanged or one tick later
 * (Linux: MAX_SYNCOOKIE_AGE). */
#define SYNCOOKIE_MAX_AGE 2u
/* How long after the last cookie was sent a listener still checks ACKs
 * for cookies (Linux: TCP_SYNCOOKIE_VALID, used by
 * tcp_synq_no_recent_overflow()). */
#define SYNCOOKIE_VALID_NS (2 * SYNCOOKIE_PERIOD_NS)
/* The low bits that hold MAC + MSS index; the counter sits above them. */
#define SYNCOOKIE_COUNTER_SHIFT 24u
#define SYNCOOKIE_MAC_MASK ((1u << SYNCOOKIE_COUNTER_SHIFT) - 1)
/* Entries in the IPv4 MSS table: 536, 1300, 1440, 1460. */
#define SYNCOOKIE_MSS_COUNT 4u

/* The low 6 bits of a cookie SYN-ACK's TSval (Linux: TSBITS and TS_OPT_*). */
#define SYNCOOKIE_TS_BITS 6u
#define SYNCOOKIE_TS_MASK ((1u << SYNCOOKIE_TS_BITS) - 1)
#define SYNCOOKIE_TS_WSCALE_MASK 0x0fu
#define SYNCOOKIE_TS_WSCALE_NONE 0x0fu /* the SYN had no window scale option */
#define SYNCOOKIE_TS_SACK 0x10u
#define SYNCOOKIE_TS_ECN 0x20u
/* The largest window shift RFC 7323 allows (Linux: TCP_MAX_WSCALE). */
#define SYNCOOKIE_WSCALE_MAX 14u

/* syncookie_check()'s answer for a cookie that is too old or forged. */
#define SYNCOOKIE_CHECK_FAILED (-1)

/* The minute counter at time now (now >= 0): now / 60 s, truncated to 32
 * bits (Linux: tcp_cookie_time()). */
uint32_t syncookie_counter(synq_time_t now);

/* The ISN to put in a cookie SYN-ACK answering a SYN from
 * client_addr:client_port to server_addr:server_port whose sequence number
 * was client_isn. mss_index < SYNCOOKIE_MSS_COUNT; counter is
 * syncookie_counter(now). key[0] keys the counter-free hash, key[1] the
 * hash that includes the counter. Mirrors secure_tcp_syn_cookie(). */
uint32_t syncookie_make(const struct siphash_key key[2], uint32_t client_addr,
                        uint32_t server_addr, uint16_t client_port,
                        uint16_t server_port, uint32_t client_isn,
                        uint32_t mss_index, uint32_t counter);

/* Checks the cookie echoed by the client's ACK: cookie is the ACK's
 * acknowledgment number - 1, client_isn its sequence number - 1, the tuple
 * as seen on the ACK (the client is the source). Returns the MSS index
 * (0..3), or SYNCOOKIE_CHECK_FAILED if the cookie is older than
 * SYNCOOKIE_MAX_AGE ticks or its MAC does not match. Mirrors
 * check_tcp_syn_cookie() plus the table-size test of __cookie_v4_check(). */
int syncookie_check(const struct siphash_key key[2], uint32_t client_addr,
                    uint32_t server_addr, uint16_t client_port,
                    uint16_t server_port, uint32_t client_isn, uint32_t cookie,
                    uint32_t counter);

/* The table entry for the peer's MSS, rounded down; an MSS below the
 * smallest entry maps to it (index 0). Mirrors cookie_v4_init_sequence(). */
uint32_t syncookie_mss_index(uint16_t peer_mss);

/* The MSS that table entry index (< SYNCOOKIE_MSS_COUNT) stands for. */
uint16_t syncookie_mss_value(uint32_t index);

/* The TSval for a cookie SYN-ACK, before the connection's timestamp offset
 * is added: ts_now_ms with its low 6 bits replaced by the options, moved
 * back one 64 ms step if that would put it after ts_now_ms (modulo 2^32).
 * peer_wscale above 14 is treated as 14, as tcp_parse_options() clamps it.
 * Mirrors cookie_init_timestamp(). */
uint32_t syncookie_tsval_encode(uint32_t ts_now_ms, bool wscale_ok,
                                uint8_t peer_wscale, bool sack_ok, bool ecn_ok);

/* The options a cookie ACK's timestamp echo recovers. */
struct syncookie_options {
	bool wscale_ok;     /* the SYN offered window scaling */
	uint8_t snd_wscale; /* the peer's shift, if wscale_ok */
	bool sack_ok;       /* the SYN offered SACK */
	bool ecn_ok;        /* the SYN asked for ECN; the caller still applies
	                     * Linux's cookie_ecn_ok() (tcp_ecn or the route) */
};

/* Recovers the SYN's options from the ACK's TSecr minus the connection's
 * timestamp offset (Linux subtracts the offset only when TSecr is
 * non-zero). Without a timestamp (saw_timestamp false) every option is off
 * and the answer is true. Returns false, and the cookie must be rejected,
 * when timestamps are now disabled, or the echo claims SACK or window
 * scaling while its sysctl is now 0. *out is always written. Mirrors
 * cookie_timestamp_decode(). */
bool syncookie_tsecr_decode(uint32_t echoed_minus_offset, bool saw_timestamp,
                            int sysctl_timestamps, int sysctl_sack,
                            int sysctl_window_scaling,
                            struct syncookie_options *out);

#endif

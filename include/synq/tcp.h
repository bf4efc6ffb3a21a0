/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_H
#define SYNQ_TCP_H

/* What is TCP's own in the socket API: the IPPROTO_TCP option names and
 * struct synq_tcp_info, with Linux's values and layout. socket.h includes
 * it; the TCP core implements the options (src/tcp/sockopt.c), as Linux's
 * net/ipv4/tcp.c does. */

#include <stdint.h>

/* IPPROTO_TCP option names, with Linux's values (glibc's <netinet/tcp.h>
 * clashes with the stack's own TCP names, so synq spells them here). */
enum synq_tcp_option {
	SYNQ_TCP_NODELAY = 1,
	SYNQ_TCP_MAXSEG = 2,
	SYNQ_TCP_CORK = 3,
	SYNQ_TCP_KEEPIDLE = 4,
	SYNQ_TCP_KEEPINTVL = 5,
	SYNQ_TCP_KEEPCNT = 6,
	SYNQ_TCP_SYNCNT = 7,
	SYNQ_TCP_LINGER2 = 8,
	SYNQ_TCP_DEFER_ACCEPT = 9,
	SYNQ_TCP_WINDOW_CLAMP = 10,
	SYNQ_TCP_INFO = 11,
	SYNQ_TCP_QUICKACK = 12,
	SYNQ_TCP_CONGESTION = 13,
	SYNQ_TCP_THIN_LINEAR_TIMEOUTS = 16,
	SYNQ_TCP_USER_TIMEOUT = 18,
	SYNQ_TCP_NOTSENT_LOWAT = 25,
	SYNQ_TCP_INQ = 36,      /* also the TCP_CM_INQ control message type */
};

/* SOL_SOCKET's SO_MEMINFO (glibc does not always spell it; the TCP core
 * answers it): an array of SYNQ_SK_MEMINFO_VARS uint32_t in Linux's
 * SK_MEMINFO_* order, rmem_alloc first. */
#define SYNQ_SO_MEMINFO 55
#define SYNQ_SK_MEMINFO_VARS 9

/* Linux's struct tcp_info (include/uapi/linux/tcp.h), field for field;
 * getsockopt(TCP_INFO) fills as much as the caller's length allows. */
struct synq_tcp_info {
	uint8_t tcpi_state;
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;
	uint8_t tcpi_probes;
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;
	uint8_t tcpi_wscale;           /* snd_wscale : 4, rcv_wscale : 4 */
	uint8_t tcpi_flags;            /* delivery_rate_app_limited:1, fastopen_client_fail:2 */
	uint32_t tcpi_rto;
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;
	uint32_t tcpi_unacked;
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent;
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;
	uint32_t tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd;
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
	uint64_t tcpi_pacing_rate;
	uint64_t tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked;
	uint64_t tcpi_bytes_received;
	uint32_t tcpi_segs_out;
	uint32_t tcpi_segs_in;
	uint32_t tcpi_notsent_bytes;
	uint32_t tcpi_min_rtt;
	uint32_t tcpi_data_segs_in;
	uint32_t tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate;
	uint64_t tcpi_busy_time;
	uint64_t tcpi_rwnd_limited;
	uint64_t tcpi_sndbuf_limited;
	uint32_t tcpi_delivered;
	uint32_t tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent;
	uint64_t tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups;
	uint32_t tcpi_reord_seen;
	uint32_t tcpi_rcv_ooopack;
	uint32_t tcpi_snd_wnd;
	uint32_t tcpi_rcv_wnd;
	uint32_t tcpi_rehash;
	uint16_t tcpi_total_rto;
	uint16_t tcpi_total_rto_recoveries;
	uint32_t tcpi_total_rto_time;
};

#endif

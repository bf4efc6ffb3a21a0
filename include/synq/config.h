/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_CONFIG_H
#define SYNQ_CONFIG_H

/* A stack's settings: Linux's sysctls under Linux's names, with the values a
 * fresh network namespace on Linux 6.18 has, plus the sizes of synq's own
 * fixed tables. Set them in code, or by name as sysctl does:
 *   synq_config_set(&cfg, "net.ipv4.tcp_syncookies", "2")            */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* net.ipv4.tcp_congestion_control */
enum synq_congestion_control {
	SYNQ_CC_CUBIC = 0,   /* Linux's default */
	SYNQ_CC_RENO = 1,
};

/* The backlog rule of listen(): which system's interpretation (issue C20). */
enum synq_personality {
	SYNQ_PERSONALITY_LINUX,      /* accept queue holds backlog + 1 */
	SYNQ_PERSONALITY_LINUX_2_4,
	SYNQ_PERSONALITY_BSD,        /* 4.4BSD: 3 * backlog / 2 + 1 */
	SYNQ_PERSONALITY_FREEBSD,
	SYNQ_PERSONALITY_HPUX_11,
	SYNQ_PERSONALITY_SOLARIS_2_9,
	SYNQ_PERSONALITY_WINDOWS,    /* a full queue resets the SYN */
	SYNQ_PERSONALITY__COUNT
};

struct synq_config {
	/* net.core */
	int32_t somaxconn;               /* 4096 */
	/* net.ipv4 */
	int32_t tcp_max_syn_backlog;     /* 2048 */
	int32_t tcp_syncookies;          /* 1 */
	int32_t tcp_synack_retries;      /* 5 */
	int32_t tcp_syn_retries;         /* 6 */
	int32_t tcp_syn_linear_timeouts; /* 4 */
	int32_t tcp_abort_on_overflow;   /* 0 */
	int32_t tcp_timestamps;          /* 1 */
	int32_t tcp_sack;                /* 1 */
	int32_t tcp_dsack;               /* 1 */
	int32_t tcp_window_scaling;      /* 1 */
	int32_t tcp_fin_timeout;         /* 60 s */
	int32_t tcp_keepalive_time;      /* 7200 s */
	int32_t tcp_keepalive_intvl;     /* 75 s */
	int32_t tcp_keepalive_probes;    /* 9 */
	int32_t tcp_retries1;            /* 3 */
	int32_t tcp_retries2;            /* 15 */
	int32_t tcp_orphan_retries;      /* 0, meaning 8 */
	int32_t tcp_rfc1337;             /* 0 */
	int32_t tcp_tw_reuse;            /* 2: loopback only */
	int32_t tcp_max_tw_buckets;      /* bounded by time_wait_max below */
	int32_t tcp_rmem[3];             /* 4096 131072 33554432 */
	int32_t tcp_wmem[3];             /* 4096 16384 4194304 */
	int32_t tcp_moderate_rcvbuf;     /* 1 */
	int32_t tcp_slow_start_after_idle; /* 1 */
	int32_t tcp_reordering;          /* 3 */
	int32_t tcp_congestion_control;  /* enum synq_congestion_control: cubic */
	int32_t tcp_early_retrans;       /* 3: tail loss probes on */
	int32_t tcp_frto;                /* 2: F-RTO (RFC 5682) on */
	int32_t tcp_min_tso_segs;        /* 2: least segments per GSO burst */
	int32_t tcp_min_rtt_wlen;        /* 300 s */
	int32_t tcp_challenge_ack_limit; /* 2147483647 since 6.0 */
	int32_t tcp_invalid_ratelimit;   /* 500 ms */
	int32_t tcp_ecn;                 /* 2; ECN is not negotiated by synq */
	int32_t ip_default_ttl;          /* 64 */
	int32_t ip_local_port_range[2];  /* 32768 60999 */
	/* kernel */
	int32_t personality;             /* enum synq_personality */
	int32_t hz;                      /* CONFIG_HZ: 250; timers fire as Linux's
	                                    timer wheel fires them (timer.c);
	                                    0 = exact, at the millisecond asked */

	/* synq's own limits: every table is bounded. */
	uint32_t max_sockets;            /* file descriptors */
	uint32_t max_connections;        /* full connections (ESTABLISHED...) */
	uint32_t max_requests;           /* SYN_RECV request objects, all listeners */
	uint32_t max_listeners;
	uint32_t max_time_wait;          /* TIME-WAIT objects */
	uint32_t buffer_bytes;           /* segment buffer pool for all sockets */
	uint32_t mtu;                    /* route MTU; advertised MSS = mtu - 40 */
};

/* Linux defaults, and moderate table sizes for one host. */
void synq_config_default(struct synq_config *cfg);

enum synq_config_result {
	SYNQ_CONFIG_OK = 0,
	SYNQ_CONFIG_UNKNOWN_KEY,
	SYNQ_CONFIG_BAD_VALUE,
	SYNQ_CONFIG_IGNORED,  /* a Linux knob synq knows but does not model */
};

/* Set one knob by its sysctl name ("net.ipv4.tcp_rmem" or with slashes) to
 * the text value sysctl would take ("4096 540000 15728640"). */
enum synq_config_result synq_config_set(struct synq_config *cfg, const char *key,
                                        const char *value);

/* kernel.hz takes 0 (exact timers) or 100, 250, 1000: the CONFIG_HZ values
 * whose jiffy is a whole number of milliseconds. */
bool synq_hz_supported(int32_t hz);

/* Personality names: "linux", "linux-2.4", "bsd", "freebsd", "hpux-11",
 * "solaris-2.9", "windows". Returns -1 for an unknown name. */
int synq_personality_from_name(const char *name);
const char *synq_personality_name(enum synq_personality p);
/* True for the personalities whose backlog rule is a measured table, not a
 * modelled mechanism (hpux-11, solaris-2.9: no published source). */
bool synq_personality_is_measured(enum synq_personality p);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_CONN_H
#define SYNQ_TCP_CONN_H

/* A full connection (SYN_SENT ... LAST_ACK, and CLOSE while its owner
 * still holds it): the struct, the small inline views of it, and its
 * life cycle (conn.c). */

#include "ip/tcp_wire.h"
#include "synq/stack.h"
#include "tcp/base.h"
#include "tcp/pool.h"
#include "tcp/segbuf.h"
#include "tcp/sockopts.h"
#include "tcp/timer.h"
#include "tcp/upcall.h"

struct synq_stack;

/* RACK's state (RFC 8985, Linux's struct tcp_rack). */
struct tcp_rack {
	uint32_t xmit_us;          /* latest send time among (s)acked segments */
	uint32_t rtt_us;           /* RTT of that segment */
	uint32_t end_seq;          /* its end, to order equal send times */
	uint32_t last_delivered;   /* delivered when reo_wnd last grew */
	uint8_t reo_wnd_steps;     /* reordering window in min_rtt/4 steps */
	uint8_t reo_wnd_persist;   /* recoveries left before it shrinks */
	uint8_t dsack_seen : 1;
	uint8_t advanced : 1;      /* xmit_us moved: look for losses */
} __attribute__((packed));  /* 19 bytes: tcp_conn puts a byte after it */

/* CUBIC's state (Linux's struct bictcp); times in ms, delays in us. The
 * two one-byte HyStart fields live in the connection's byte block. */
struct tcp_cubic {
	uint32_t cnt;              /* ACKed segments per cwnd increase */
	uint32_t last_max_cwnd;    /* Wmax */
	uint32_t last_cwnd;
	uint32_t last_time;
	uint32_t bic_origin_point;
	uint32_t bic_K;
	uint32_t delay_min;
	uint32_t epoch_start;
	uint32_t ack_cnt;
	uint32_t tcp_cwnd;         /* Reno's window, for TCP friendliness */
	uint32_t round_start;      /* HyStart */
	uint32_t end_seq;
	uint32_t last_ack;
	uint32_t curr_rtt;
};

/* What the retransmit timer is armed for (Linux's icsk_pending). */
enum tcp_rtx_kind {
	TCP_RTX_NONE,
	TCP_RTX_RTO,
	TCP_RTX_PROBE0,         /* zero-window probe */
	TCP_RTX_LOSS_PROBE,     /* tail loss probe */
	TCP_RTX_REO_TIMEOUT,    /* RACK's reordering window expires */
};

/* Congestion-avoidance states (Linux's tcp_ca_state). */
enum tcp_ca_state {
	TCP_CA_OPEN,
	TCP_CA_DISORDER,
	TCP_CA_CWR,
	TCP_CA_RECOVERY,
	TCP_CA_LOSS,
};

enum tcp_conn_flag {
	TCP_CONN_TS_OK = 0x0001,
	TCP_CONN_SACK_OK = 0x0002,
	TCP_CONN_WSCALE_OK = 0x0004,
	TCP_CONN_ORPHAN = 0x0008,       /* closed by the application */
	TCP_CONN_FIN_QUEUED = 0x0010,   /* our FIN is in the send queue */
	TCP_CONN_FIN_RECEIVED = 0x0020, /* the peer's FIN was consumed */
	TCP_CONN_PASSIVE = 0x0040,      /* created by a listener */
	TCP_CONN_ACCEPTED = 0x0080,     /* taken by accept() */
	TCP_CONN_NAGLE_PUSH = 0x0100,
	TCP_CONN_CONNECT_DONE = 0x0200, /* connect() result reported */
	TCP_CONN_BOUND = 0x0400,        /* local port chosen by bind() */
	TCP_CONN_IN_TABLE = 0x0800,
	TCP_CONN_PEER_RESET = 0x1000,
	TCP_CONN_NOSPACE = 0x2000,      /* a writer found the send buffer
	                                   full (Linux's SOCK_NOSPACE) */
	/* 0x4000 | 0x8000: the running chronograph (enum tcp_chrono) */
};
#define TCP_CONN_CHRONO_SHIFT 14

/* What the connection's send side is doing (Linux's enum tcp_chrono), in
 * rising priority: a higher kind takes over from a lower one. */
enum tcp_chrono {
	TCP_CHRONO_UNSPEC,
	TCP_CHRONO_BUSY,           /* data queued or in flight */
	TCP_CHRONO_RWND_LIMITED,   /* held back by the peer's window */
	TCP_CHRONO_SNDBUF_LIMITED, /* everything sent, the writer waits on
	                              the send buffer */
};

enum tcp_ack_flag {
	TCP_ACK_SCHED = 0x01,           /* an ACK is owed */
	TCP_ACK_TIMER = 0x02,           /* the delayed-ACK timer is armed */
	TCP_ACK_NOW = 0x04,             /* send it at the end of input */
	TCP_ACK_PUSHED = 0x08,          /* a short segment arrived */
	TCP_ACK_PUSHED2 = 0x10,         /* ... and another one */
};

#define TCP_SHUT_RCV 1
#define TCP_SHUT_SEND 2

/* Fields are in order of use, not of subject: what nearly every segment,
 * send or timer touches fills the first six lines, and what only loss
 * recovery, undo, SACK reporting, receive autotuning or statistics touch
 * comes after. A simulation keeps thousands of connections in flight (or
 * a few on each of hundreds of client stacks) and meets each one cold:
 * every line a segment must fetch is a miss. The object is padded to
 * eight whole lines so that, in a pool, each starts on a line boundary. */
struct tcp_conn {
	uint32_t hash_next;          /* first: also the pool's free link */
	struct tcp_tuple tuple;
	uint32_t timer_slot;
	/* A child queued for accept() has no owner yet, and an accepted one
	 * no place in the queue: which of the two is kept depends on
	 * listener. */
	union {
		uint32_t owner;      /* its owner's token, TCP_NO_OWNER if none */
		uint32_t accept_next; /* while queued: the next child in the
		                         listener's accept queue */
	};
	uint16_t listener;           /* parent while queued for accept() */
	uint8_t state;               /* enum synq_tcp_state */
	uint8_t ca_state;            /* enum tcp_ca_state */
	uint16_t flags;              /* enum tcp_conn_flag */
	uint8_t shutdown;            /* TCP_SHUT_* */
	uint8_t err;                 /* pending error (sk_err), an errno */

	/* sequence spaces (snd_una is the ISN until our SYN is acked) */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t write_seq;          /* end of queued data */
	uint32_t snd_wnd;            /* peer's window, scaled */
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;            /* window last advertised, bytes */
	uint32_t rcv_wup;            /* rcv_nxt when it was advertised */
	uint32_t copied_seq;         /* next byte the application reads */

	uint32_t snd_wl1;
	uint32_t max_window;
	uint32_t window_clamp;
	uint32_t rcv_ssthresh;
	uint32_t rmem_alloc;         /* what the receive queues are charged,
	                                as Linux's skb truesize (rmem.c) */
	uint32_t ts_recent;
	uint32_t ts_offset;

	/* data */
	uint32_t send_head;          /* first unsent segbuf, POOL_NONE if none */
	struct segq sndq;            /* [snd_una, write_seq), sent then unsent */
	struct segq rcvq;            /* in order, not yet read */
	struct segq oooq;            /* out of order, sorted, disjoint */
	/* the bytes in rcvq are tcp_rcv_queued(), those in oooq
	 * segq_bytes(): both follow from what is stored */

	/* options */
	uint16_t mss_cache;          /* current send MSS, options excluded */
	uint16_t mss_clamp;          /* peer's MSS option (or user's TCP_MAXSEG) */
	uint16_t advmss;             /* MSS we advertised */
	uint16_t rcv_mss;            /* estimate of the peer's MSS */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t retransmits;         /* icsk_retransmits */
	uint8_t backoff;             /* icsk_backoff */
	uint8_t probes_out;
	uint8_t ack_flags;           /* enum tcp_ack_flag */
	uint8_t quickack;            /* ACKs still to send at once */
	uint8_t total_rto;           /* RTO expiries of this connection */
	uint8_t hystart_samples;     /* RTT samples this round */
	uint8_t tos;                 /* IP_TOS of what it sends */
	/* Read or written on every segment or timer change: whole bytes, so
	 * that each access is one load or store rather than a masked
	 * read-modify-write of a shared word. */
	uint8_t timers_armed;         /* bit per enum tcp_timer */
	uint8_t rtx_kind;             /* enum tcp_rtx_kind */
	uint8_t num_sacks;            /* SACK blocks we report (at most 4) */
	uint8_t dsack;                /* duplicate_sack is to be reported */
	uint8_t pingpong;             /* interactive: delay ACKs */
	uint8_t is_cwnd_limited : 1;
	uint8_t hystart_found : 1;    /* slow start's exit was found */
	uint8_t tlp_retrans : 1;      /* the loss probe was a retransmission */
	uint8_t frto : 1;             /* F-RTO (RFC 5682) in progress */
	uint8_t cc_algo : 1;          /* enum synq_congestion_control */
	uint16_t reordering;         /* segments (tcp_reordering, max 300) */
	uint16_t reord_seen;         /* reordering events */
	uint16_t ato_ms;             /* delayed-ACK timeout (at most 65 s) */
	uint16_t snd_skbs;           /* Linux skbs the send queue would hold */

	/* congestion control and what is in flight */
	uint32_t snd_cwnd;           /* segments */
	uint32_t snd_ssthresh;
	uint32_t packets_out;
	uint32_t retrans_out;
	uint32_t sacked_out;
	uint32_t lost_out;
	uint32_t delivered;
	uint32_t max_packets_out;    /* in the current window */
	uint32_t cwnd_usage_seq;
	uint32_t highest_sack;       /* end of the highest SACKed segment */

	/* round-trip estimate (RFC 6298 as Linux keeps it, microseconds) */
	uint32_t srtt_us;            /* << 3 */
	uint32_t mdev_us;            /* << 2 */
	uint32_t mdev_max_us;
	uint32_t rttvar_us;
	uint32_t rtt_seq;
	uint32_t min_rtt_us;
	uint32_t rto_ms;             /* icsk_rto */

	/* stamps in milliseconds (tcp_ms_stamp(), like Linux's jiffies):
	 * timers fire on millisecond ticks, as Linux's fire on jiffies */
	uint32_t timer_ms[TCP_TIMER__COUNT]; /* deadlines; see timers_armed */
	uint32_t retrans_stamp;      /* first transmission of what is being
	                                retransmitted; 0 = none */
	uint32_t lsndtime;           /* last data sent */
	uint32_t lrcvtime;           /* last data received */
	/* stamps in microseconds (tcp_us_stamp(), like Linux's tcp_mstamp) */
	uint32_t tlp_high_seq;       /* snd_nxt when a loss probe went; 0 = none */
	uint32_t snd_sml;            /* end of the last segment sent short of
	                                the MSS (Minshall's Nagle) */
	uint32_t pushed_seq;         /* write_seq at the last PSH mark */

	struct tcp_sockopts opts;
	struct tcp_rack rack;
	uint8_t scaling_ratio;       /* payload per byte of rmem_alloc, in
	                                256ths: window = space * ratio / 256 */
	/* statistics for TCP_INFO, counted on every segment */
	uint32_t segs_in;
	uint32_t segs_out;
	/* 64-bit counters kept on a 4-byte boundary, so that they do not
	 * round the whole object up to a multiple of 8 */
	uint64_t bytes_acked __attribute__((packed, aligned(4)));
	uint32_t total_retrans;

	/* CUBIC (every ACK looks at its epoch and HyStart's round) */
	struct tcp_cubic cubic;

	/* --- the rest is met less often --- */

	/* receive-side autotuning and the receiver's RTT (microseconds) */
	uint32_t rcv_rtt_us;         /* receiver's RTT estimate, << 3 */
	uint32_t rcv_rtt_seq;        /* ... measured when rcv_nxt passes this */
	uint32_t rcv_rtt_time;
	uint32_t rcvq_space;         /* bytes read in the last RTT (autotuning) */
	uint32_t rcvq_seq;
	uint32_t rcvq_time;
	uint64_t bytes_received __attribute__((packed, aligned(4)));
	/* tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited: Linux
	 * keeps chrono_start and chrono_stat[3] (jiffies); one slot per kind
	 * does here (ms): the time counted while the kind is stopped, the
	 * tick it would have started from while it runs (chrono.c) */
	uint32_t chrono[3];          /* by enum tcp_chrono - 1 */
	uint32_t ts_recent_stamp;    /* seconds */
	uint32_t rcv_tstamp;         /* last ACK received */
	uint32_t last_oow_ack;       /* last answer to an out-of-window segment */

	/* loss recovery and undo */
	uint32_t high_seq;           /* snd_nxt when recovery began */
	uint32_t undo_marker;
	uint32_t undo_retrans;
	uint32_t prior_cwnd;
	uint32_t prior_ssthresh;
	uint32_t prr_delivered;
	uint32_t prr_out;
	uint32_t snd_cwnd_cnt;

	struct tcp_sack_block selective_acks[TCP_SACK_BLOCKS_MAX];
	struct tcp_sack_block duplicate_sack;
	uint8_t pad_to_lines[8];
};

_Static_assert(sizeof(struct tcp_conn) % 64 == 0, "a tcp_conn is whole cache lines");

/* The lines of the first group (tcp_input() fetches them ahead). */
#define TCP_CONN_HOT_LINES 6
_Static_assert(offsetof(struct tcp_conn, rcv_rtt_us) <= TCP_CONN_HOT_LINES * 64,
               "what nearly every segment touches fits the hot lines");

/* What an skb costs beyond its payload (its truesize overhead), as
 * measured on Linux 6.18: 60000 bytes in four skbs charge 63328. */
#define TCP_SKB_OVERHEAD 832u

/* The send buffer's memory charge (Linux's sk_wmem_queued): the bytes
 * queued plus the overhead of the skbs Linux would hold them in. */
static inline uint32_t tcp_send_charge(const struct tcp_conn *c)
{
	return (c->write_seq - c->snd_una) + (uint32_t)c->snd_skbs * TCP_SKB_OVERHEAD;
}

/* snd_una moves; bytes_acked counts the sequence space, SYN and FIN
 * included, as Linux's tcp_snd_una_update() does. */
static inline void tcp_snd_una_update(struct tcp_conn *c, uint32_t ack)
{
	c->bytes_acked += ack - c->snd_una;
	c->snd_una = ack;
}

/* A transmit unit ends at b. If its skb goes on after b, Linux split the
 * skb there (tso_fragment(), tcp_fragment()): one skb more. */
static inline void tcp_segbuf_end_unit(struct tcp_conn *c, struct segbuf *b)
{
	if (b->mark & SEGBUF_UNIT_END)
		return;
	b->mark |= SEGBUF_UNIT_END;
	if (b->next != POOL_NONE)
		c->snd_skbs++;
}

/* Bytes in order not yet read, the peer's FIN excluded (Linux's
 * tcp_inq()): rcv_nxt and copied_seq say it, no counter is kept. */
static inline uint32_t tcp_rcv_queued(const struct tcp_conn *c)
{
	return c->rcv_nxt - c->copied_seq - ((c->flags & TCP_CONN_FIN_RECEIVED) ? 1u : 0u);
}

/* Unread data thrown away (close, abort): nothing is left to read. */
static inline void tcp_rcv_forget(struct tcp_conn *c)
{
	c->copied_seq = c->rcv_nxt - ((c->flags & TCP_CONN_FIN_RECEIVED) ? 1u : 0u);
}

/* CWR or Recovery: the window is being reduced (PRR). */
static inline bool tcp_in_cwnd_reduction(const struct tcp_conn *c)
{
	return c->ca_state == TCP_CA_CWR || c->ca_state == TCP_CA_RECOVERY;
}

/* conn.c: life cycle */
struct tcp_conn *tcp_conn_alloc(struct synq_stack *s);
void tcp_conn_init_defaults(struct synq_stack *s, struct tcp_conn *c);
void tcp_conn_set_state(struct synq_stack *s, struct tcp_conn *c, enum synq_tcp_state st);
void tcp_conn_done(struct synq_stack *s, struct tcp_conn *c);
void tcp_conn_free(struct synq_stack *s, struct tcp_conn *c);
void tcp_conn_reset(struct synq_stack *s, struct tcp_conn *c, int err);
/* Tell the connection's owner that ev may have happened. */
void tcp_conn_wake(struct synq_stack *s, struct tcp_conn *c, enum tcp_event ev);
uint32_t tcp_conn_isn(struct synq_stack *s, const struct tcp_tuple *t);
uint32_t tcp_conn_ts_offset(struct synq_stack *s, const struct tcp_tuple *t);
void tcp_conn_sync_mss(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_conn_index(const struct synq_stack *s, const struct tcp_conn *c);
struct tcp_conn *tcp_conn_at(const struct synq_stack *s, uint32_t index);

#endif

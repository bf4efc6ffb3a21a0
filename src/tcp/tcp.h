/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_TCP_H
#define SYNQ_TCP_TCP_H

/* The TCP core's objects and the functions its files share.
 *
 * Four kinds of object, each in its own fixed pool, each small:
 *   tcp_listener   a LISTEN socket: its accept queue and request count
 *   tcp_request    a SYN_RECV request ("mini socket", Linux's request_sock)
 *   tcp_conn       a full connection (SYN_SENT ... LAST_ACK, and CLOSE while
 *                  the application still holds the descriptor)
 *   tcp_timewait   a TIME-WAIT (or orphaned FIN_WAIT2) leftover
 * Requests, connections and TIME-WAITs share one hash table keyed by the
 * 4-tuple (Linux's established hash, which holds all three), and one timer
 * heap keyed by each object's earliest deadline. Objects are named by a
 * 32-bit handle: kind in the top two bits, pool index below. */

#include <stdbool.h>
#include <stdint.h>

#include "ip/tcp_wire.h"
#include "synq/stack.h"
#include "tcp/pool.h"
#include "tcp/segbuf.h"
#include "tcp/siphash.h"

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

/* ------------------------------------------------------ socket options */

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

/* ------------------------------------------------------- the listener */

struct tcp_listener {
	uint32_t next_free;         /* pool link while free */
	uint32_t addr;              /* 0 = any */
	uint16_t port;
	bool in_use;
	bool synflood_warned;       /* "Possible SYN flooding" logged once */
	uint8_t tos;                /* IP_TOS, passed on to its connections */
	int32_t fd;
	uint32_t backlog;           /* sk_max_ack_backlog after the clamp */
	uint32_t accept_len;        /* sk_ack_backlog */
	uint32_t accept_head;       /* connection indices, FIFO */
	uint32_t accept_tail;
	uint32_t req_count;         /* requests in SYN_RECV (qlen) */
	uint32_t req_young;         /* of those, never timed out */
	synq_time_t last_synq_overflow; /* last cookie sent; 0 = never */
	uint64_t drops;             /* sk_drops */
	struct tcp_sockopts opts;
};

/* -------------------------------------------------------- the request */

enum tcp_request_flag {
	TCP_REQ_TS_OK = 0x01,
	TCP_REQ_SACK_OK = 0x02,
	TCP_REQ_WSCALE_OK = 0x04,
	TCP_REQ_ACKED = 0x08,       /* a bare ACK came while deferring */
};

struct tcp_request {
	uint32_t hash_next;         /* first: also the pool's free link */
	struct tcp_tuple tuple;
	uint32_t timer_slot;
	uint32_t snt_isn;
	uint32_t rcv_isn;
	uint32_t ts_recent;
	uint32_t synack_us;         /* first SYN-ACK (us stamp), for an RTT sample */
	uint32_t last_oow_ms;       /* last out-of-window answer (ms stamp) */
	uint16_t listener;
	uint16_t mss;               /* peer's MSS option, 0 = none */
	uint16_t peer_window;       /* SYN's window field (never scaled) */
	uint8_t num_timeout;
	uint8_t num_retrans;        /* SYN-ACKs resent, for any reason */
	uint8_t snd_wscale;         /* peer's shift */
	uint8_t rcv_wscale;         /* ours */
	uint8_t flags;              /* enum tcp_request_flag */
	uint8_t young;
};

/* ------------------------------------------------------- TIME-WAIT */

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

/* ----------------------------------------------------- the connection */

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
};

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

enum tcp_timer {
	TCP_TIMER_RETRANSMIT,   /* RTO, loss probe, zero-window probe */
	TCP_TIMER_DELACK,
	TCP_TIMER_KEEPALIVE,    /* keepalive, FIN_WAIT2 linger */
	TCP_TIMER__COUNT
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

struct tcp_conn {
	uint32_t hash_next;          /* first: also the pool's free link */
	struct tcp_tuple tuple;
	uint32_t timer_slot;
	int32_t fd;                  /* owning descriptor, -1 if none */
	uint32_t accept_next;        /* link in the listener's accept queue */
	uint16_t listener;           /* parent while queued for accept() */
	uint8_t state;               /* enum synq_tcp_state */
	uint8_t ca_state;            /* enum tcp_ca_state */
	uint16_t flags;              /* enum tcp_conn_flag */
	uint8_t shutdown;            /* TCP_SHUT_* */
	uint8_t err;                 /* pending error (sk_err), an errno */

	/* send sequence space (snd_una is the ISN until our SYN is acked) */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t write_seq;          /* end of queued data */
	uint32_t snd_wnd;            /* peer's window, scaled */
	uint32_t snd_wl1;
	uint32_t max_window;
	uint32_t high_seq;           /* snd_nxt when recovery began */
	uint32_t undo_marker;
	uint32_t highest_sack;       /* end of the highest SACKed segment */

	/* receive sequence space */
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;            /* window last advertised, bytes */
	uint32_t rcv_wup;            /* rcv_nxt when it was advertised */
	uint32_t copied_seq;         /* next byte the application reads */
	uint32_t rcv_ssthresh;
	uint32_t window_clamp;

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
	uint8_t rtx_kind;            /* enum tcp_rtx_kind */
	uint8_t ack_flags;           /* enum tcp_ack_flag */
	uint8_t quickack;            /* ACKs still to send at once */
	uint8_t pingpong;            /* interactive: delay ACKs */
	uint8_t num_sacks;           /* SACK blocks we report */
	uint8_t total_rto;           /* RTO expiries of this connection */
	uint8_t cc_algo;             /* enum synq_congestion_control */
	uint8_t hystart_samples;     /* RTT samples this round */
	uint8_t timers_armed;        /* bit per enum tcp_timer */
	uint8_t tos;                 /* IP_TOS of what it sends */
	uint8_t dsack : 1;           /* duplicate_sack is to be reported */
	uint8_t is_cwnd_limited : 1;
	uint8_t hystart_found : 1;   /* slow start's exit was found */
	uint8_t tlp_retrans : 1;     /* the loss probe was a retransmission */
	uint8_t frto : 1;            /* F-RTO (RFC 5682) in progress */
	uint16_t reordering;         /* segments (tcp_reordering, max 300) */
	uint16_t reord_seen;         /* reordering events */

	uint32_t ts_recent;
	uint32_t ts_recent_stamp;    /* seconds */
	uint32_t ts_offset;

	/* round-trip estimate (RFC 6298 as Linux keeps it, microseconds) */
	uint32_t srtt_us;            /* << 3 */
	uint32_t mdev_us;            /* << 2 */
	uint32_t mdev_max_us;
	uint32_t rttvar_us;
	uint32_t rtt_seq;
	uint32_t min_rtt_us;
	uint32_t rto_ms;             /* icsk_rto */
	uint32_t rcv_rtt_us;         /* receiver's RTT estimate, << 3 */
	uint32_t rcv_rtt_seq;        /* ... measured when rcv_nxt passes this */
	uint32_t rcvq_space;         /* bytes read in the last RTT (autotuning) */
	uint32_t rcvq_seq;
	uint16_t ato_ms;             /* delayed-ACK timeout (at most 65 s) */
	uint16_t snd_skbs;           /* Linux skbs the send queue would hold */

	/* congestion control */
	uint32_t snd_cwnd;           /* segments */
	uint32_t snd_ssthresh;
	uint32_t snd_cwnd_cnt;
	uint32_t prior_cwnd;
	uint32_t prior_ssthresh;
	uint32_t packets_out;
	uint32_t retrans_out;
	uint32_t sacked_out;
	uint32_t lost_out;
	uint32_t prr_delivered;
	uint32_t prr_out;
	uint32_t undo_retrans;
	uint32_t delivered;
	uint32_t max_packets_out;    /* in the current window */
	uint32_t cwnd_usage_seq;
	struct tcp_cubic cubic;
	struct tcp_rack rack;

	/* stamps in milliseconds (tcp_ms_stamp(), like Linux's jiffies):
	 * timers fire on millisecond ticks, as Linux's fire on jiffies */
	uint32_t timer_ms[TCP_TIMER__COUNT]; /* deadlines; see timers_armed */
	uint32_t retrans_stamp;      /* first transmission of what is being
	                                retransmitted; 0 = none */
	uint32_t lsndtime;           /* last data sent */
	uint32_t lrcvtime;           /* last data received */
	uint32_t rcv_tstamp;         /* last ACK received */
	uint32_t last_oow_ack;       /* last answer to an out-of-window segment */
	/* stamps in microseconds (tcp_us_stamp(), like Linux's tcp_mstamp) */
	uint32_t rcv_rtt_time;
	uint32_t rcvq_time;
	uint32_t tlp_high_seq;       /* snd_nxt when a loss probe went; 0 = none */

	/* data */
	struct segq sndq;            /* [snd_una, write_seq), sent then unsent */
	uint32_t send_head;          /* first unsent segbuf, POOL_NONE if none */
	struct segq rcvq;            /* in order, not yet read */
	struct segq oooq;            /* out of order, sorted, disjoint */
	uint32_t rcv_queued;         /* bytes in rcvq */
	uint32_t ooo_queued;

	struct tcp_sack_block selective_acks[TCP_SACK_BLOCKS_MAX];
	struct tcp_sack_block duplicate_sack;

	/* statistics for TCP_INFO */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t total_retrans;
	uint32_t segs_in;
	uint32_t segs_out;

	uint32_t pushed_seq;         /* write_seq at the last PSH mark */

	struct tcp_sockopts opts;
};

/* What an skb costs beyond its payload (its truesize overhead), as
 * measured on Linux 6.18: 60000 bytes in four skbs charge 63328. */
#define TCP_SKB_OVERHEAD 832u

/* The send buffer's memory charge (Linux's sk_wmem_queued): the bytes
 * queued plus the overhead of the skbs Linux would hold them in. */
static inline uint32_t tcp_send_charge(const struct tcp_conn *c)
{
	return (c->write_seq - c->snd_una) + (uint32_t)c->snd_skbs * TCP_SKB_OVERHEAD;
}

/* -------------------------------------------------------- shared API */

struct synq_stack;

/* stack.c */
void tcp_output_datagram(struct synq_stack *s, const uint8_t *pkt, size_t len);
uint32_t tcp_ts_now(const struct synq_stack *s);     /* ms clock for TSval */
uint32_t tcp_ts_seconds(const struct synq_stack *s);
/* 32-bit clocks for connection stamps: compare them by difference. */
uint32_t tcp_ms_stamp(const struct synq_stack *s);
uint32_t tcp_us_stamp(const struct synq_stack *s);
uint64_t tcp_random(struct synq_stack *s);

/* timer.c: one heap over every connection's and request's earliest
 * deadline, in millisecond ticks */
synq_time_t tcp_ms_to_time(const struct synq_stack *s, uint32_t stamp_ms);
uint32_t tcp_time_to_ms(synq_time_t when);
void tcp_timer_schedule(struct synq_stack *s, uint32_t handle, synq_time_t when);
void tcp_timer_cancel(struct synq_stack *s, uint32_t handle);
void tcp_conn_timer_set(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t,
                        synq_time_t when);
void tcp_conn_timer_clear(struct synq_stack *s, struct tcp_conn *c, enum tcp_timer t);
/* A timer's deadline, 0 if it is off. */
synq_time_t tcp_conn_timer_get(const struct synq_stack *s, const struct tcp_conn *c,
                               enum tcp_timer t);
void tcp_timers_run(struct synq_stack *s);
synq_time_t tcp_timer_next(const struct synq_stack *s);

/* table.c: the 4-tuple hash over requests, connections and TIME-WAITs */
uint32_t tcp_table_lookup(const struct synq_stack *s, const struct tcp_tuple *t);
void tcp_table_insert(struct synq_stack *s, uint32_t handle);
void tcp_table_remove(struct synq_stack *s, uint32_t handle);
struct tcp_listener *tcp_listener_lookup(struct synq_stack *s, uint32_t addr, uint16_t port);
uint16_t tcp_port_pick(struct synq_stack *s, const struct tcp_tuple *t, bool reuse,
                       bool whole_tuple);
bool tcp_port_in_use(struct synq_stack *s, uint32_t addr, uint16_t port, bool reuse);
void tcp_port_ref(struct synq_stack *s, uint16_t port);
void tcp_port_unref(struct synq_stack *s, uint16_t port);

/* conn.c: life cycle */
struct tcp_conn *tcp_conn_alloc(struct synq_stack *s);
void tcp_conn_init_defaults(struct synq_stack *s, struct tcp_conn *c);
void tcp_conn_set_state(struct synq_stack *s, struct tcp_conn *c, enum synq_tcp_state st);
void tcp_conn_done(struct synq_stack *s, struct tcp_conn *c);
void tcp_conn_free(struct synq_stack *s, struct tcp_conn *c);
void tcp_conn_reset(struct synq_stack *s, struct tcp_conn *c, int err);
void tcp_conn_wake(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_conn_isn(struct synq_stack *s, const struct tcp_tuple *t);
uint32_t tcp_conn_ts_offset(struct synq_stack *s, const struct tcp_tuple *t);
void tcp_conn_sync_mss(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_conn_index(const struct synq_stack *s, const struct tcp_conn *c);
struct tcp_conn *tcp_conn_at(const struct synq_stack *s, uint32_t index);

/* input.c */
void tcp_input(struct synq_stack *s, const struct tcp_segment *seg);
void tcp_conn_input(struct synq_stack *s, struct tcp_conn *c, const struct tcp_segment *seg);

/* output.c */
void tcp_send_reset_for(struct synq_stack *s, const struct tcp_segment *seg);
void tcp_send_reset(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_ack(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_syn(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_fin(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_challenge_ack(struct synq_stack *s, struct tcp_conn *c);
void tcp_push(struct synq_stack *s, struct tcp_conn *c);
void tcp_push_forced(struct synq_stack *s, struct tcp_conn *c);
void tcp_push_one(struct synq_stack *s, struct tcp_conn *c);
bool tcp_retransmit_head(struct synq_stack *s, struct tcp_conn *c);
/* ends_burst: the last segment of a unit of two or more (it gets PSH) */
bool tcp_retransmit_segbuf(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                           bool ends_burst);
bool tcp_resend_segbuf(struct synq_stack *s, struct tcp_conn *c, uint32_t index,
                       bool ends_burst);
synq_time_t tcp_probe0_base(const struct tcp_conn *c);
synq_time_t tcp_probe0_when(const struct tcp_conn *c);
uint32_t tcp_tso_segs(const struct synq_stack *s, const struct tcp_conn *c, uint32_t mss);
void tcp_send_probe0(struct synq_stack *s, struct tcp_conn *c);
void tcp_send_keepalive_probe(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_select_window(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_choose_window(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_current_mss(const struct tcp_conn *c);
uint32_t tcp_receive_space(const struct synq_stack *s, const struct tcp_conn *c);
void tcp_rearm_rto(struct synq_stack *s, struct tcp_conn *c);
bool tcp_schedule_loss_probe(struct synq_stack *s, struct tcp_conn *c, bool advancing_rto);
void tcp_send_loss_probe(struct synq_stack *s, struct tcp_conn *c);
void tcp_schedule_delayed_ack(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_request_rcv_wnd(struct synq_stack *s, const struct tcp_request *r,
                             const struct tcp_listener *l);
void tcp_send_synack_for(struct synq_stack *s, const struct tcp_request *r,
                         const struct tcp_listener *l, const uint32_t *cookie_tsval);

/* timers of a connection (conn_timer.c) */
void tcp_conn_timer_fire(struct synq_stack *s, struct tcp_conn *c);

/* rtt.c */
void tcp_rtt_sample(struct synq_stack *s, struct tcp_conn *c, int64_t rtt_us);
synq_time_t tcp_rto(const struct tcp_conn *c);

/* cc.c */
void tcp_cc_init(struct synq_stack *s, struct tcp_conn *c);
void tcp_cc_on_ack(struct synq_stack *s, struct tcp_conn *c, uint32_t acked_segs);
/* The ssthresh after a loss; CUBIC also remembers Wmax here. */
uint32_t tcp_cc_ssthresh(struct tcp_conn *c);
void tcp_cc_rtt_sample(struct synq_stack *s, struct tcp_conn *c, int64_t rtt_us);
void tcp_cc_enter_loss(struct synq_stack *s, struct tcp_conn *c);
void tcp_cc_tx_start(struct synq_stack *s, struct tcp_conn *c);
void tcp_cc_cwnd_validate(struct tcp_conn *c, bool is_cwnd_limited);
void tcp_cc_restart_after_idle(struct synq_stack *s, struct tcp_conn *c);
uint32_t tcp_packets_in_flight(const struct tcp_conn *c);

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

/* CWR or Recovery: the window is being reduced (PRR). */
static inline bool tcp_in_cwnd_reduction(const struct tcp_conn *c)
{
	return c->ca_state == TCP_CA_CWR || c->ca_state == TCP_CA_RECOVERY;
}

/* listen.c */
void tcp_listen_input(struct synq_stack *s, struct tcp_listener *l,
                      const struct tcp_segment *seg);
void tcp_request_input(struct synq_stack *s, struct tcp_request *r,
                       const struct tcp_segment *seg);
void tcp_request_timer_fire(struct synq_stack *s, struct tcp_request *r);
void tcp_request_free(struct synq_stack *s, struct tcp_request *r);
struct tcp_conn *tcp_accept_dequeue(struct synq_stack *s, struct tcp_listener *l);
void tcp_listener_close(struct synq_stack *s, struct tcp_listener *l);
uint32_t tcp_listener_index(const struct synq_stack *s, const struct tcp_listener *l);
struct tcp_listener *tcp_listener_at(const struct synq_stack *s, uint32_t index);

/* timewait.c */
void tcp_time_wait(struct synq_stack *s, struct tcp_conn *c, uint8_t substate,
                   synq_time_t timeout);
void tcp_timewait_input(struct synq_stack *s, struct tcp_timewait *tw,
                        const struct tcp_segment *seg);
void tcp_timewait_free(struct synq_stack *s, struct tcp_timewait *tw);
/* Expire due TIME-WAITs; the next TIME-WAIT deadline (SYNQ_TIME_NEVER). */
void tcp_timewait_expire(struct synq_stack *s);
synq_time_t tcp_timewait_next_deadline(const struct synq_stack *s);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_NAT_CONNTRACK_H
#define SYNQ_NAT_CONNTRACK_H

/* A connection-tracking table for TCP as Linux's nf_conntrack keeps it:
 * a bounded table of entries, each found from either direction's tuple,
 * each in one of nf_conntrack's TCP states, moved by the flags of every
 * packet through the kernel's transition table (nf_conntrack_proto_tcp.c,
 * tcp_conntracks[dir][flags][state]) and kept for that state's timeout
 * (the net.netfilter.nf_conntrack_tcp_timeout_* sysctls). An entry becomes
 * assured once the reply direction has been seen and it reaches
 * ESTABLISHED from SYN_RECV or ESTABLISHED, as the kernel sets IPS_ASSURED.
 * When the table is full, a new connection evicts an unassured entry if
 * one is found among the next few (early drop); otherwise its packet is
 * dropped, counted, and "nf_conntrack: table full, dropping packet" is
 * reported through the kernel's net_ratelimit() rule: up to 10 in a 5 s
 * window that opens with the first one and reopens with the first after
 * it ends (here per table; the kernel shares the budget with every other
 * rate-limited message).
 *
 * Before any reply, a retransmitted SYN does not renew the timeout (or a
 * client reusing its port would keep the entry alive for ever), and a
 * reset removes the entry at once (a closed port's answer).
 * An ignored SYN answered by an ignored SYN-ACK from the other side means
 * both ends are in sync and the table is not: the entry goes back to
 * SYN_RECV with a fresh timeout, as the kernel does (its check that the
 * SYN-ACK acknowledges that SYN is left out).
 * A connection picked up in mid-stream (a bare ACK with no entry, as
 * nf_conntrack_tcp_loose = 1 allows) is kept ESTABLISHED for only the
 * unacknowledged timeout (300 s) until a reply is seen, and is assured by
 * the first packet after that reply, as the kernel marks the reply seen
 * only once the packet has been tracked.
 * A SYN on a TIME_WAIT entry (either direction) or from the original side
 * on a CLOSE entry reopens the tuple: the old entry goes and the SYN's
 * sender becomes the original side.
 *
 * Simplified, as no scenario can tell: no window tracking (every packet is
 * taken as in window, so nothing is marked INVALID for its sequence
 * numbers, no retransmission or unacknowledged data is noticed, and the
 * max_retrans/unacknowledged timeouts cap nothing but the mid-stream
 * pickup above; zero-window probes are not told apart); a CLOSE entry
 * reached by a reset from the other side is reopened like any other, where
 * the kernel moves it to SYN_SENT in place and keeps its assured bit;
 * expired entries are removed when the table is full (among the next
 * CT_EARLY_DROP_SCAN entries, or by a sweep of the whole table at most once
 * per CT_GC_INTERVAL, standing in for the kernel's gc_worker) or when
 * ct_table_expire() runs; early drop
 * looks at up to CT_EARLY_DROP_SCAN entries from a rotating cursor, not
 * along the new tuple's hash chain. Pure: no clock, no allocation after
 * ct_table_init(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synq/time.h"

enum ct_state {
	CT_NONE,
	CT_SYN_SENT,
	CT_SYN_RECV,
	CT_ESTABLISHED,
	CT_FIN_WAIT,
	CT_CLOSE_WAIT,
	CT_LAST_ACK,
	CT_TIME_WAIT,
	CT_CLOSE,
	CT_SYN_SENT2,
	CT__STATES
};

const char *ct_state_name(enum ct_state s);   /* as conntrack -L prints it */

struct ct_config {
	uint32_t max;                           /* net.netfilter.nf_conntrack_max */
	synq_time_t timeout[CT__STATES];        /* per state; NONE unused */
	synq_time_t unacknowledged;             /* ..._timeout_unacknowledged */
	synq_time_t max_retrans;                /* ..._timeout_max_retrans */
};

/* Linux 6.18's defaults for a table of max entries. */
void ct_config_linux(struct ct_config *c, uint32_t max);
/* The Buffalo WHR-G54S of seed 003: about 2000 entries, an unanswered SYN
 * kept 60 s, TIME-WAIT 120 s (its other timeouts as Linux 2.4's). */
void ct_config_whr_g54s(struct ct_config *c);
/* By sysctl name: "net.netfilter.nf_conntrack_tcp_timeout_time_wait",
 * "net.netfilter.nf_conntrack_max"; seconds or a count. 0, or -EINVAL. */
int ct_config_set(struct ct_config *c, const char *name, const char *value);

/* One direction of a flow, addresses host order. */
struct ct_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
};

enum ct_dir { CT_ORIGINAL = 0, CT_REPLY = 1 };

struct ct_entry {
	struct ct_tuple orig;    /* a free entry keeps the next free one's
	                          * index in orig.src */
	struct ct_tuple reply;   /* what the answer looks like: orig inverted,
	                          * unless NAT changed it (ct_set_reply()) */
	synq_time_t expires;
	uint8_t state;           /* enum ct_state */
	uint8_t last_ignored;    /* flags class and direction of the last ignored
	                          * packet, or 0xff */
	bool assured : 1;
	bool seen_reply : 1;
	bool used : 1;
	bool translated : 1;     /* reply is not orig inverted (NAT) */
	/* The one's complement sum of the reply tuple inverted minus the
	 * original, folded to 16 bits, over the two addresses and over
	 * addresses and ports: NAT's checksum patch (RFC 1624) for a packet of
	 * the original direction; its complement for the reply direction.
	 * Kept by insertion and ct_set_reply(), in network byte order (the
	 * two bytes as a checksum field holds them), so that a checksum read
	 * from the packet as it lies is patched without swapping: one's
	 * complement addition commutes with swapping the bytes (RFC 1071). */
	uint16_t sum_addrs, sum_all;
};

struct ct_stats {
	uint64_t found, inserted, invalid, ignored;
	uint64_t assured;         /* entries that became assured */
	uint64_t early_drops;     /* unassured entries evicted for new ones */
	uint64_t drops;           /* packets dropped: table full (insert_failed) */
	uint64_t expired;
	uint64_t killed;          /* removed by a packet: a reset before any
	                           * reply, or a SYN reopening the tuple */
	uint64_t table_full_events; /* the kernel's rate-limited log line */
	uint64_t table_full_suppressed; /* lines the rate limit held back */
};

#define CT_EARLY_DROP_SCAN 64
#define CT_GC_INTERVAL SYNQ_SEC(1)
#define CT_TABLE_FULL_MESSAGE "nf_conntrack: table full, dropping packet"
#define CT_RATELIMIT_BURST 10            /* net.core.message_burst */
#define CT_RATELIMIT_INTERVAL SYNQ_SEC(5) /* net.core.message_cost */

/* The index: open addressing with linear probing over CT_SLOTS_PER_ENTRY
 * slots per entry (at most two in three taken: one per direction), each
 * slot 0 (empty) or a node (entry index * 2 + direction, plus one) in its
 * low node_bits with a tag from the tuple's hash above it, so that a
 * lookup reads one run of slots and only the entry whose tag matches.
 * Removal shifts the run back over the hole (no tombstones). */
#define CT_SLOTS_PER_ENTRY 3

/* The ordinary tracking step, per table (built by ct_table_init() from
 * the transition table): for direction, flags (FIN SYN RST PSH ACK URG)
 * and state, the next state, with CT_STEP_ASSURES when it makes the entry
 * assured, or CT_STEP_NONE when the packet needs the whole rules (invalid,
 * ignored, or SYN_SENT next). */
#define CT_STEP_NONE 0xff
#define CT_STEP_STATE 0x0f
#define CT_STEP_ASSURES 0x10

struct ct_table {
	struct ct_config cfg;
	struct ct_entry *e;        /* cfg.max */
	uint32_t *slot;            /* nslots */
	uint32_t nslots;           /* CT_SLOTS_PER_ENTRY * cfg.max */
	uint32_t node_bits, node_mask, tag_mask;
	uint32_t tag_field;        /* tag_mask << node_bits */
	uint32_t free_head, used;
	uint32_t cursor;           /* early drop's next look */
	synq_time_t full_window_start;   /* the rate limit's current window */
	synq_time_t last_sweep;          /* the last full pass for expired entries */
	uint32_t full_window_events;      /* events let through in it */
	struct ct_stats stats;
	uint8_t step[2][64][16];
};

/* 0, -EINVAL (max 0 or above 2^28), -ENOMEM. */
int ct_table_init(struct ct_table *t, const struct ct_config *cfg);
void ct_table_free(struct ct_table *t);

enum ct_verdict {
	CT_ACCEPT,
	CT_ACCEPT_IGNORED,   /* passed without changing state (sIG) */
	CT_INVALID,          /* sIV: the kernel marks it INVALID */
	CT_DROP_FULL,        /* a new flow and no room */
};

/* Track one TCP packet whose tuple (as sent) is pkt and whose flags are
 * flags (TCP_SYN 0x02, TCP_ACK 0x10, TCP_FIN 0x01, TCP_RST 0x04), at now.
 * *entry and *dir say where it went, when it went somewhere. */
enum ct_verdict ct_track(struct ct_table *t, const struct ct_tuple *pkt, uint8_t flags,
                         synq_time_t now, struct ct_entry **entry, enum ct_dir *dir);

/* ct_track() for a caller that has just looked the tuple up with ct_find()
 * (e and d as it returned them; e NULL when none): one lookup, not two. */
enum ct_verdict ct_track_found(struct ct_table *t, struct ct_entry *e, enum ct_dir d,
                               const struct ct_tuple *pkt, uint8_t flags, synq_time_t now,
                               struct ct_entry **entry, enum ct_dir *dir);

/* The entry for this tuple in either direction, or NULL (expired ones too). */
struct ct_entry *ct_find(struct ct_table *t, const struct ct_tuple *pkt, synq_time_t now,
                         enum ct_dir *dir);

/* NAT: the answer to entry e comes back as reply, not as the original
 * tuple inverted (nf_nat_setup_info() altering the reply tuple). Set it
 * before the entry's first reply. */
void ct_set_reply(struct ct_table *t, struct ct_entry *e, const struct ct_tuple *reply);
/* Forget an entry at once (a connection NAT could not set up). */
void ct_remove(struct ct_table *t, struct ct_entry *e);
/* Whether a tuple is some entry's, in either direction
 * (nf_conntrack_tuple_taken()): NAT must not hand out a taken one. */
bool ct_tuple_taken(struct ct_table *t, const struct ct_tuple *k);

/* Where the index puts a tuple: its first slot and its tag (for tests
 * that need two tuples colliding on both). */
void ct_tuple_place(const struct ct_table *t, const struct ct_tuple *k, uint32_t *home,
                    uint32_t *tag);

/* Remove every entry expired by now; returns how many. */
uint32_t ct_table_expire(struct ct_table *t, synq_time_t now);

/* Entries per state (array of CT__STATES), live at now. */
void ct_table_count(const struct ct_table *t, synq_time_t now, uint32_t *per_state);

#endif

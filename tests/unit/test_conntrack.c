/* SPDX-License-Identifier: BSD-2-Clause */
/* The conntrack table: nf_conntrack's TCP states and timeouts on the flows
 * the NAT checks use, assured and early drop, and a table that never holds
 * more than its size. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "nat/conntrack.h"
#include "synq/rng.h"

#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04

static const struct ct_tuple client = { .src = 0x0a000002, .dst = 0xc0a80101,
                                        .sport = 40000, .dport = 80 };

static struct ct_tuple reply_of(const struct ct_tuple *t)
{
	return (struct ct_tuple){ .src = t->dst, .dst = t->src, .sport = t->dport,
	                          .dport = t->sport };
}

struct fx {
	struct ct_table t;
	synq_time_t now;
};

static enum ct_verdict pkt(struct fx *f, const struct ct_tuple *k, uint8_t flags)
{
	struct ct_entry *e;
	enum ct_dir d;
	return ct_track(&f->t, k, flags, f->now, &e, &d);
}

static struct ct_entry *entry(struct fx *f)
{
	return ct_find(&f->t, &client, f->now, NULL);
}

static void init(struct fx *f, uint32_t max)
{
	struct ct_config c;
	ct_config_linux(&c, max);
	f->now = SYNQ_SEC(1000);
	assert_int_equal(ct_table_init(&f->t, &c), 0);
}

/* SYN, SYN-ACK, ACK: ESTABLISHED and assured, for five days. */
static void handshake(struct fx *f)
{
	struct ct_tuple r = reply_of(&client);
	assert_int_equal(pkt(f, &client, SYN), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_SYN_SENT);
	assert_true(entry(f)->expires == f->now + SYNQ_SEC(120));
	assert_int_equal(pkt(f, &r, SYN | ACK), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_SYN_RECV);
	assert_false(entry(f)->assured);
	assert_int_equal(pkt(f, &client, ACK), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_ESTABLISHED);
	assert_true(entry(f)->assured);
	assert_true(entry(f)->expires == f->now + SYNQ_SEC(432000));
}

static void complete_flow(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	handshake(&f);
	struct ct_tuple r = reply_of(&client);
	assert_int_equal(pkt(&f, &client, ACK), CT_ACCEPT); /* data */
	assert_int_equal(pkt(&f, &r, ACK), CT_ACCEPT);
	assert_int_equal(entry(&f)->state, CT_ESTABLISHED);
	assert_int_equal(f.t.used, 1);
	ct_table_free(&f.t);
}

static void close_sequence(struct fx *f, const struct ct_tuple *first, const struct ct_tuple *second)
{
	assert_int_equal(pkt(f, first, FIN | ACK), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_FIN_WAIT);
	assert_int_equal(pkt(f, second, ACK), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_CLOSE_WAIT);
	assert_true(entry(f)->expires == f->now + SYNQ_SEC(60));
	assert_int_equal(pkt(f, second, FIN | ACK), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_LAST_ACK);
	assert_true(entry(f)->expires == f->now + SYNQ_SEC(30));
	assert_int_equal(pkt(f, first, ACK), CT_ACCEPT);
	assert_int_equal(entry(f)->state, CT_TIME_WAIT);
	assert_true(entry(f)->expires == f->now + SYNQ_SEC(120));
	f->now += SYNQ_SEC(120) - 1;
	assert_non_null(entry(f));
	f->now += 1;
	assert_null(entry(f));
	assert_int_equal(f->t.used, 0);
}

static void client_closes_first(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	handshake(&f);
	struct ct_tuple r = reply_of(&client);
	close_sequence(&f, &client, &r);
	ct_table_free(&f.t);
}

/* The table cannot tell who closes first: the same states either way. */
static void server_closes_first(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	handshake(&f);
	struct ct_tuple r = reply_of(&client);
	close_sequence(&f, &r, &client);
	ct_table_free(&f.t);
}

static void reset_closes_for_ten_seconds(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	handshake(&f);
	struct ct_tuple r = reply_of(&client);
	assert_int_equal(pkt(&f, &r, RST), CT_ACCEPT);
	assert_int_equal(entry(&f)->state, CT_CLOSE);
	assert_true(entry(&f)->expires == f.now + SYNQ_SEC(10));
	/* a new SYN on the same tuple starts over */
	assert_int_equal(pkt(&f, &client, SYN), CT_ACCEPT);
	assert_int_equal(entry(&f)->state, CT_SYN_SENT);
	assert_false(entry(&f)->assured);
	ct_table_free(&f.t);
}

static void silent_port_keeps_syn_sent_for_two_minutes(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	assert_int_equal(pkt(&f, &client, SYN), CT_ACCEPT);
	f.now += SYNQ_SEC(3);
	assert_int_equal(pkt(&f, &client, SYN), CT_ACCEPT); /* retransmitted */
	assert_int_equal(entry(&f)->state, CT_SYN_SENT);
	/* the retransmission did not renew it: 120 s from the first SYN */
	f.now += SYNQ_SEC(117) - 1;
	assert_non_null(entry(&f));
	f.now += 1;
	assert_null(entry(&f));
	ct_table_free(&f.t);
}

static void closed_port_reset_removes_the_entry(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	struct ct_tuple r = reply_of(&client);
	pkt(&f, &client, SYN);
	assert_int_equal(pkt(&f, &r, RST | ACK), CT_ACCEPT);
	assert_null(entry(&f));
	assert_int_equal(f.t.used, 0);
	ct_table_free(&f.t);
}

static void half_open_stays_unassured_in_syn_recv(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	struct ct_tuple r = reply_of(&client);
	pkt(&f, &client, SYN);
	pkt(&f, &r, SYN | ACK);
	assert_int_equal(pkt(&f, &r, SYN | ACK), CT_ACCEPT_IGNORED); /* retransmitted */
	assert_int_equal(entry(&f)->state, CT_SYN_RECV);
	assert_true(entry(&f)->expires == f.now + SYNQ_SEC(60));
	assert_false(entry(&f)->assured);
	ct_table_free(&f.t);
}

static void invalid_packets_change_nothing(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	assert_int_equal(pkt(&f, &client, FIN), CT_INVALID);      /* no entry from a FIN */
	assert_int_equal(pkt(&f, &client, SYN | ACK), CT_INVALID); /* nor a SYN-ACK */
	assert_int_equal(f.t.used, 0);
	pkt(&f, &client, SYN);
	assert_int_equal(pkt(&f, &client, ACK), CT_INVALID); /* ACK before any SYN-ACK */
	assert_int_equal(entry(&f)->state, CT_SYN_SENT);
	assert_int_equal(f.t.stats.invalid, 3);
	ct_table_free(&f.t);
}

static void midstream_ack_is_picked_up_unassured(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	struct ct_tuple r = reply_of(&client);
	assert_int_equal(pkt(&f, &client, ACK), CT_ACCEPT);
	assert_int_equal(entry(&f)->state, CT_ESTABLISHED);
	assert_false(entry(&f)->assured);
	/* one side's word: the unacknowledged timeout, not five days */
	assert_true(entry(&f)->expires == f.now + SYNQ_SEC(300));
	f.now += SYNQ_SEC(10);
	assert_int_equal(pkt(&f, &client, ACK), CT_ACCEPT);
	assert_true(entry(&f)->expires == f.now + SYNQ_SEC(300));
	/* the first reply is tracked before the reply counts as seen */
	assert_int_equal(pkt(&f, &r, ACK), CT_ACCEPT);
	assert_false(entry(&f)->assured);
	assert_true(entry(&f)->expires == f.now + SYNQ_SEC(300));
	/* the next packet, either way, assures it for the full timeout */
	assert_int_equal(pkt(&f, &client, ACK), CT_ACCEPT);
	assert_true(entry(&f)->assured);
	assert_true(entry(&f)->expires == f.now + SYNQ_SEC(432000));
	ct_table_free(&f.t);
}

/* A mid-stream entry left alone expires after 300 s, sooner than the
 * 432000 s an assured one is kept. */
static void midstream_entry_expires_after_unacknowledged(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	assert_int_equal(ct_config_set(&f.t.cfg, "net.netfilter.nf_conntrack_tcp_timeout_unacknowledged", "40"), 0);
	pkt(&f, &client, ACK);
	f.now += SYNQ_SEC(40) - 1;
	assert_non_null(entry(&f));
	f.now += 1;
	assert_null(entry(&f));
	assert_int_equal(f.t.stats.expired, 1);
	ct_table_free(&f.t);
}

/* Each state's timeout, as the sysctl under its name sets it: change one
 * sysctl and only that state's timeout moves. */
static void every_state_keeps_its_own_timeout(void **state)
{
	(void)state;
	static const char *const names[CT__STATES] = {
		NULL, "syn_sent", "syn_recv", "established", "fin_wait",
		"close_wait", "last_ack", "time_wait", "close", "syn_sent2",
	};
	for (int s = CT_SYN_SENT; s < CT__STATES; s++) {
		struct fx f;
		init(&f, 16);
		char name[96];
		snprintf(name, sizeof name, "net.netfilter.nf_conntrack_tcp_timeout_%s", names[s]);
		assert_int_equal(ct_config_set(&f.t.cfg, name, "7"), 0);
		struct ct_tuple r = reply_of(&client);
		/* walk to state s; the path depends on s */
		const struct { const struct ct_tuple *k; uint8_t fl; } path[] = {
			{ &client, SYN }, { &r, SYN | ACK }, { &client, ACK },
			{ &client, FIN | ACK }, { &r, ACK }, { &r, FIN | ACK }, { &client, ACK },
		};
		static const int steps_to[CT__STATES] = {
			[CT_SYN_SENT] = 1, [CT_SYN_RECV] = 2, [CT_ESTABLISHED] = 3,
			[CT_FIN_WAIT] = 4, [CT_CLOSE_WAIT] = 5, [CT_LAST_ACK] = 6,
			[CT_TIME_WAIT] = 7,
		};
		if (s == CT_CLOSE) {
			pkt(&f, &client, SYN);
			pkt(&f, &r, SYN | ACK);
			pkt(&f, &client, RST);
		} else if (s == CT_SYN_SENT2) {
			pkt(&f, &client, SYN);
			pkt(&f, &r, SYN); /* simultaneous open */
		} else {
			for (int i = 0; i < steps_to[s]; i++)
				pkt(&f, path[i].k, path[i].fl);
		}
		assert_int_equal(entry(&f)->state, s);
		assert_true(entry(&f)->expires == f.now + SYNQ_SEC(7));
		f.now += SYNQ_SEC(7);
		assert_null(entry(&f));
		ct_table_free(&f.t);
	}
}

/* The kernel's reply-direction SYN on a TIME_WAIT entry: the other side
 * opens the tuple anew and becomes the original side. */
static void reply_syn_reopens_time_wait(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 16);
	handshake(&f);
	struct ct_tuple r = reply_of(&client);
	pkt(&f, &client, FIN | ACK);
	pkt(&f, &r, FIN | ACK);
	pkt(&f, &client, ACK);
	assert_int_equal(entry(&f)->state, CT_TIME_WAIT);
	assert_int_equal(pkt(&f, &r, SYN), CT_ACCEPT);
	enum ct_dir d;
	struct ct_entry *e = ct_find(&f.t, &r, f.now, &d);
	assert_non_null(e);
	assert_int_equal(d, CT_ORIGINAL);
	assert_int_equal(e->state, CT_SYN_SENT);
	assert_false(e->assured);
	assert_int_equal(f.t.used, 1);
	assert_int_equal(f.t.stats.killed, 1);
	/* the old client's reset now comes before any reply: gone at once */
	pkt(&f, &client, RST);
	assert_null(entry(&f));
	ct_table_free(&f.t);
}

static struct ct_tuple nth(uint32_t i)
{
	return (struct ct_tuple){ .src = 0x0a000000 + i, .dst = 0xc0a80101,
	                          .sport = (uint16_t)(1024 + i), .dport = 80 };
}

static void full_table_drops_unassured_first(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 4);
	for (uint32_t i = 0; i < 4; i++) {
		struct ct_tuple k = nth(i);
		assert_int_equal(pkt(&f, &k, SYN), CT_ACCEPT);
	}
	struct ct_tuple k = nth(4);
	assert_int_equal(pkt(&f, &k, SYN), CT_ACCEPT);
	assert_int_equal(f.t.stats.early_drops, 1);
	assert_int_equal(f.t.used, 4);
	ct_table_free(&f.t);
}

/* Assured entries survive a full table; only the unassured one goes. */
static void early_drop_spares_assured(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 4);
	for (uint32_t i = 0; i < 3; i++) {
		struct ct_tuple k = nth(i), r = reply_of(&k);
		pkt(&f, &k, SYN);
		pkt(&f, &r, SYN | ACK);
		pkt(&f, &k, ACK);
		assert_true(ct_find(&f.t, &k, f.now, NULL)->assured);
	}
	struct ct_tuple half = nth(3), hr = reply_of(&half);
	pkt(&f, &half, SYN);
	pkt(&f, &hr, SYN | ACK); /* answered, never completed: unassured */
	struct ct_tuple k = nth(4);
	assert_int_equal(pkt(&f, &k, SYN), CT_ACCEPT);
	assert_int_equal(f.t.stats.early_drops, 1);
	assert_null(ct_find(&f.t, &half, f.now, NULL));
	for (uint32_t i = 0; i < 3; i++) {
		struct ct_tuple a = nth(i);
		assert_non_null(ct_find(&f.t, &a, f.now, NULL));
	}
	/* now all assured but the newcomer; it goes next, not an assured one */
	struct ct_tuple k5 = nth(5);
	assert_int_equal(pkt(&f, &k5, SYN), CT_ACCEPT);
	assert_int_equal(f.t.stats.early_drops, 2);
	assert_null(ct_find(&f.t, &k, f.now, NULL));
	ct_table_free(&f.t);
}

/* A table full of TIME_WAIT entries refuses a new flow until they expire;
 * then room is made from expired ones, without early drop. */
static void expired_entries_make_room(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 2);
	for (uint32_t i = 0; i < 2; i++) {
		struct ct_tuple k = nth(i), r = reply_of(&k);
		pkt(&f, &k, SYN);
		pkt(&f, &r, SYN | ACK);
		pkt(&f, &k, ACK);
		pkt(&f, &k, FIN | ACK);
		pkt(&f, &r, FIN | ACK);
		pkt(&f, &k, ACK);
	}
	struct ct_tuple k = nth(9);
	assert_int_equal(pkt(&f, &k, SYN), CT_DROP_FULL);
	f.now += SYNQ_SEC(120);
	assert_int_equal(pkt(&f, &k, SYN), CT_ACCEPT);
	assert_int_equal(f.t.stats.early_drops, 0);
	assert_int_equal(f.t.stats.expired, 1);
	assert_int_equal(f.t.stats.drops, 1);
	assert_int_equal(ct_table_expire(&f.t, f.now), 1);
	assert_int_equal(f.t.used, 1);
	ct_table_free(&f.t);
}

static void full_of_assured_drops_and_reports(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 1);
	handshake(&f);
	for (int i = 0; i < 30; i++) {
		struct ct_tuple k = nth((uint32_t)i);
		assert_int_equal(pkt(&f, &k, SYN), CT_DROP_FULL);
		f.now += SYNQ_MSEC(100);
	}
	assert_int_equal(f.t.stats.drops, 30);
	/* net_ratelimit: a burst of 10 in the window the first drop opened,
	 * then silence until 5 s have passed */
	assert_int_equal(f.t.stats.table_full_events, 10);
	assert_int_equal(f.t.stats.table_full_suppressed, 20);
	f.now += SYNQ_SEC(2);  /* 5.0 s after the first drop: same window */
	struct ct_tuple late = nth(99);
	assert_int_equal(pkt(&f, &late, SYN), CT_DROP_FULL);
	assert_int_equal(f.t.stats.table_full_events, 10);
	f.now += 1;            /* the window has ended: a new burst */
	assert_int_equal(pkt(&f, &late, SYN), CT_DROP_FULL);
	assert_int_equal(f.t.stats.table_full_events, 11);
	assert_string_equal(CT_TABLE_FULL_MESSAGE, "nf_conntrack: table full, dropping packet");
	assert_int_equal(f.t.stats.early_drops, 0);
	ct_table_free(&f.t);
}

/* Random flows and floods never make a table of N hold more than N, and
 * every packet that found no room is counted. */
static void never_more_than_its_size(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 64);
	struct synq_rng rng;
	synq_rng_seed(&rng, 42);
	static const uint8_t flags[] = { SYN, SYN | ACK, ACK, FIN | ACK, RST, 0 };
	uint64_t dropped = 0;
	for (int i = 0; i < 200000; i++) {
		uint64_t r = synq_rng_next(&rng);
		struct ct_tuple k = nth((uint32_t)(r % 500));
		if (r & (1u << 20))
			k = reply_of(&k);
		f.now += (synq_time_t)((r >> 32) % SYNQ_MSEC(50));
		if (pkt(&f, &k, flags[(r >> 24) % 6]) == CT_DROP_FULL)
			dropped++;
		assert_true(f.t.used <= 64);
	}
	uint32_t per[CT__STATES];
	ct_table_count(&f.t, f.now, per);
	uint32_t live = 0;
	for (int s = 0; s < CT__STATES; s++)
		live += per[s];
	assert_true(live <= 64);
	assert_true(dropped == f.t.stats.drops);
	assert_true(f.t.stats.inserted > 64);
	/* the run did overflow, and every entry ever made is accounted for */
	assert_true(f.t.stats.early_drops + f.t.stats.drops > 0);
	assert_true(f.t.stats.inserted == f.t.used + f.t.stats.expired +
	                                  f.t.stats.early_drops + f.t.stats.killed);
	uint32_t in_use = 0;
	for (uint32_t i = 0; i < 64; i++)
		in_use += f.t.e[i].used;
	assert_int_equal(in_use, f.t.used);
	ct_table_free(&f.t);
}

/* A SYN flood of new tuples against a table of assured flows: the table
 * stays at N, every flood packet is a counted drop, and the rate-limited
 * event count follows the clock, not the packet count. */
static void syn_flood_on_assured_table(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 32);
	for (uint32_t i = 0; i < 32; i++) {
		struct ct_tuple k = nth(i), r = reply_of(&k);
		pkt(&f, &k, SYN);
		pkt(&f, &r, SYN | ACK);
		pkt(&f, &k, ACK);
	}
	struct synq_rng rng;
	synq_rng_seed(&rng, 7);
	for (int i = 0; i < 100000; i++) {
		uint64_t r = synq_rng_next(&rng);
		struct ct_tuple k = { .src = (uint32_t)r, .dst = 0xc0a80101,
		                      .sport = (uint16_t)(r >> 32), .dport = 80 };
		assert_int_equal(pkt(&f, &k, SYN), CT_DROP_FULL);
		f.now += SYNQ_USEC(100); /* 10 s in all */
		assert_int_equal(f.t.used, 32);
	}
	assert_int_equal(f.t.stats.drops, 100000);
	assert_int_equal(f.t.stats.early_drops, 0);
	assert_int_equal(f.t.stats.table_full_events, 20); /* two windows */
	assert_int_equal(f.t.stats.table_full_suppressed, 100000 - 20);
	ct_table_free(&f.t);
}

static void profiles_and_sysctls(void **state)
{
	(void)state;
	struct ct_config c;
	ct_config_whr_g54s(&c);
	assert_int_equal(c.max, 2048);
	assert_true(c.timeout[CT_SYN_SENT] == SYNQ_SEC(60));
	assert_true(c.timeout[CT_TIME_WAIT] == SYNQ_SEC(120));
	assert_int_equal(ct_config_set(&c, "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "30"), 0);
	assert_true(c.timeout[CT_TIME_WAIT] == SYNQ_SEC(30));
	assert_int_equal(ct_config_set(&c, "net.netfilter.nf_conntrack_max", "1024"), 0);
	assert_int_equal(c.max, 1024);
	assert_int_equal(ct_config_set(&c, "net.netfilter.nf_conntrack_max", " -5"), -EINVAL);
	assert_int_equal(ct_config_set(&c, "net.netfilter.nf_conntrack_tcp_timeout_bogus", "5"), -EINVAL);
	struct ct_config l;
	ct_config_linux(&l, 262144);
	assert_true(l.unacknowledged == SYNQ_SEC(300));
	assert_true(l.max_retrans == SYNQ_SEC(300));
	assert_int_equal(ct_config_set(&l, "net.netfilter.nf_conntrack_tcp_timeout_max_retrans", "90"), 0);
	assert_true(l.max_retrans == SYNQ_SEC(90));
	static const int secs[CT__STATES] = { 0, 120, 60, 432000, 120, 60, 30, 120, 10, 120 };
	for (int s = CT_SYN_SENT; s < CT__STATES; s++)
		assert_true(l.timeout[s] == SYNQ_SEC(secs[s]));
	assert_string_equal(ct_state_name(CT_TIME_WAIT), "TIME_WAIT");
}

/* The index (open addressing, backward-shift removal). A first tuple
 * whose home slot is `home`, from a search over source ports. */
static struct ct_tuple with_home(const struct ct_table *t, uint32_t home, uint32_t from)
{
	for (uint32_t i = from;; i++) {
		struct ct_tuple k = { .src = 0x0a000000u + i / 50000, .dst = 0xc0a80101,
		                      .sport = (uint16_t)(1024 + i % 50000), .dport = 80 };
		uint32_t h, tag;
		ct_tuple_place(t, &k, &h, &tag);
		if (h == home)
			return k;
	}
}

/* Entries that share a home slot sit one after another; removing the first
 * must leave the others findable (the hole is closed, not left empty). An
 * entry whose own home is after the hole must not move before its home. */
static void removal_closes_the_hole(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 8); /* 24 slots */
	uint32_t home = 5;
	struct ct_tuple a = with_home(&f.t, home, 0);
	struct ct_tuple b = with_home(&f.t, home, a.sport - 1024 + 1);
	struct ct_tuple c = with_home(&f.t, home + 2, 0);
	struct ct_tuple d = with_home(&f.t, home + 1, 0);
	/* a at 5, b at 6, c at 7 (its home), d pushed past 6 and 7 to 8 -
	 * unless a reply tuple took one of those slots first, which only moves
	 * things along */
	assert_int_equal(pkt(&f, &a, SYN), CT_ACCEPT);
	assert_int_equal(pkt(&f, &b, SYN), CT_ACCEPT);
	assert_int_equal(pkt(&f, &c, SYN), CT_ACCEPT);
	assert_int_equal(pkt(&f, &d, SYN), CT_ACCEPT);
	assert_int_equal(f.t.slot[home] & f.t.node_mask, 0 * 2 + 1);        /* a's original */
	assert_int_equal(f.t.slot[home + 1] & f.t.node_mask, 1 * 2 + 1);    /* b's original */
	ct_remove(&f.t, ct_find(&f.t, &a, f.now, NULL));
	assert_null(ct_find(&f.t, &a, f.now, NULL));
	struct ct_tuple ra = reply_of(&a);
	assert_null(ct_find(&f.t, &ra, f.now, NULL));
	const struct ct_tuple *left[] = { &b, &c, &d };
	for (int i = 0; i < 3; i++) {
		enum ct_dir dir;
		struct ct_tuple r = reply_of(left[i]);
		struct ct_entry *e = ct_find(&f.t, left[i], f.now, &dir);
		assert_non_null(e);
		assert_int_equal(dir, CT_ORIGINAL);
		assert_ptr_equal(ct_find(&f.t, &r, f.now, &dir), e);
		assert_int_equal(dir, CT_REPLY);
	}
	/* b moved back into a's slot; c stayed at its home */
	assert_int_equal(f.t.slot[home] & f.t.node_mask, 1 * 2 + 1);
	uint32_t c_home, tag;
	ct_tuple_place(&f.t, &c, &c_home, &tag);
	assert_int_equal(c_home, home + 2);
	ct_table_free(&f.t);
}

/* Two tuples with the same home slot and the same tag: the index holds
 * them apart by the whole tuple. */
static void same_slot_and_tag_told_apart(void **state)
{
	(void)state;
	struct fx f;
	init(&f, 4); /* 12 slots, 16-bit tags */
	struct ct_tuple a = nth(0), b = a;
	uint32_t ha, ta, hb, tb;
	ct_tuple_place(&f.t, &a, &ha, &ta);
	for (uint32_t i = 1;; i++) {
		b.src = 0x0b000000u + i;
		ct_tuple_place(&f.t, &b, &hb, &tb);
		if (hb == ha && tb == ta)
			break;
	}
	assert_int_equal(pkt(&f, &a, SYN), CT_ACCEPT);
	assert_null(ct_find(&f.t, &b, f.now, NULL));
	assert_false(ct_tuple_taken(&f.t, &b));
	assert_int_equal(pkt(&f, &b, SYN), CT_ACCEPT);
	assert_int_equal(f.t.used, 2);
	struct ct_entry *ea = ct_find(&f.t, &a, f.now, NULL), *eb = ct_find(&f.t, &b, f.now, NULL);
	assert_non_null(ea);
	assert_non_null(eb);
	assert_ptr_not_equal(ea, eb);
	assert_int_equal(eb->orig.src, b.src);
	ct_remove(&f.t, ea);
	assert_ptr_equal(ct_find(&f.t, &b, f.now, NULL), eb);
	assert_null(ct_find(&f.t, &a, f.now, NULL));
	ct_table_free(&f.t);
}

/* A table kept full while entries come and go at random: every entry is
 * found from both tuples, nothing else is, and a lookup for an absent
 * tuple in the full table ends. */
static void full_table_index_churn(void **state)
{
	(void)state;
	struct fx f;
	enum { MAX = 16, POOL = 40 };
	init(&f, MAX);
	bool in[POOL] = { false };
	struct synq_rng rng;
	synq_rng_seed(&rng, 3);
	for (int step = 0; step < 20000; step++) {
		uint32_t i = (uint32_t)(synq_rng_next(&rng) % POOL);
		struct ct_tuple k = nth(i * 7919u);
		if (in[i]) {
			ct_remove(&f.t, ct_find(&f.t, &k, f.now, NULL));
			in[i] = false;
		} else if (f.t.used < MAX) {
			assert_int_equal(pkt(&f, &k, SYN), CT_ACCEPT);
			in[i] = true;
		}
		for (uint32_t j = 0; j < POOL; j++) {
			struct ct_tuple q = nth(j * 7919u), r = reply_of(&q);
			struct ct_entry *e = ct_find(&f.t, &q, f.now, NULL);
			assert_true((e != NULL) == in[j]);
			assert_true(ct_find(&f.t, &r, f.now, NULL) == e);
			assert_true(ct_tuple_taken(&f.t, &q) == in[j]);
		}
	}
	ct_table_free(&f.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complete_flow),
		cmocka_unit_test(client_closes_first),
		cmocka_unit_test(server_closes_first),
		cmocka_unit_test(reset_closes_for_ten_seconds),
		cmocka_unit_test(silent_port_keeps_syn_sent_for_two_minutes),
		cmocka_unit_test(closed_port_reset_removes_the_entry),
		cmocka_unit_test(half_open_stays_unassured_in_syn_recv),
		cmocka_unit_test(invalid_packets_change_nothing),
		cmocka_unit_test(midstream_ack_is_picked_up_unassured),
		cmocka_unit_test(midstream_entry_expires_after_unacknowledged),
		cmocka_unit_test(every_state_keeps_its_own_timeout),
		cmocka_unit_test(reply_syn_reopens_time_wait),
		cmocka_unit_test(early_drop_spares_assured),
		cmocka_unit_test(expired_entries_make_room),
		cmocka_unit_test(syn_flood_on_assured_table),
		cmocka_unit_test(full_table_drops_unassured_first),
		cmocka_unit_test(full_of_assured_drops_and_reports),
		cmocka_unit_test(never_more_than_its_size),
		cmocka_unit_test(profiles_and_sysctls),
		cmocka_unit_test(removal_closes_the_hole),
		cmocka_unit_test(same_slot_and_tag_told_apart),
		cmocka_unit_test(full_table_index_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

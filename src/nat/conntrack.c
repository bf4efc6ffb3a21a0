/* SPDX-License-Identifier: BSD-2-Clause */
#include "nat/conntrack.h"
#include "nat/conntrack_fast.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IV 0xff   /* invalid: the kernel's sIV */
#define IG 0xfe   /* ignored: the kernel's sIG */

enum { F_SYN, F_SYNACK, F_FIN, F_ACK, F_RST, F_NONE, F__COUNT };

/* Next state by direction, flags class and current state, with Linux's
 * entries (nf_conntrack_proto_tcp.c). Columns: NONE, SYN_SENT, SYN_RECV,
 * ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2. */
#define NO CT_NONE
#define SS CT_SYN_SENT
#define SR CT_SYN_RECV
#define ES CT_ESTABLISHED
#define FW CT_FIN_WAIT
#define CW CT_CLOSE_WAIT
#define LA CT_LAST_ACK
#define TW CT_TIME_WAIT
#define CL CT_CLOSE
#define S2 CT_SYN_SENT2
static const uint8_t next_state[2][F__COUNT][CT__STATES] = {
	[CT_ORIGINAL] = {
		[F_SYN] =    { SS, SS, IG, IG, IG, IG, IG, SS, SS, S2 },
		[F_SYNACK] = { IV, IV, SR, IV, IV, IV, IV, IV, IV, SR },
		[F_FIN] =    { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
		[F_ACK] =    { ES, IV, ES, ES, CW, CW, TW, TW, CL, IV },
		[F_RST] =    { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[F_NONE] =   { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
	[CT_REPLY] = {
		[F_SYN] =    { IV, S2, IV, IV, IV, IV, IV, SS, IV, S2 },
		[F_SYNACK] = { IV, SR, IG, IG, IG, IG, IG, IG, IG, SR },
		[F_FIN] =    { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
		[F_ACK] =    { IV, IG, SR, ES, CW, CW, TW, TW, CL, IG },
		[F_RST] =    { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
		[F_NONE] =   { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
	},
};
#undef NO
#undef SS
#undef SR
#undef ES
#undef FW
#undef CW
#undef LA
#undef TW
#undef CL
#undef S2

/* The flags class of each combination of FIN, SYN, RST, PSH, ACK and URG:
 * RST first, then SYN (with or without ACK), FIN, ACK, none. */
#define FC(f) ((f) & 0x04 ? F_RST : (f) & 0x02 ? ((f) & 0x10 ? F_SYNACK : F_SYN) : \
               (f) & 0x01 ? F_FIN : (f) & 0x10 ? F_ACK : F_NONE)
#define FC4(f) FC(f), FC((f) + 1), FC((f) + 2), FC((f) + 3)
#define FC16(f) FC4(f), FC4((f) + 4), FC4((f) + 8), FC4((f) + 12)
static const uint8_t flag_class[64] = { FC16(0), FC16(16), FC16(32), FC16(48) };
#undef FC16
#undef FC4
#undef FC

static inline int flags_class(uint8_t f)
{
	return flag_class[f & 0x3f];
}

const char *ct_state_name(enum ct_state s)
{
	static const char *const names[CT__STATES] = {
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
		"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
	};
	return (unsigned)s < CT__STATES ? names[s] : "?";
}

void ct_config_linux(struct ct_config *c, uint32_t max)
{
	memset(c, 0, sizeof *c);
	c->max = max;
	c->timeout[CT_SYN_SENT] = SYNQ_SEC(120);
	c->timeout[CT_SYN_RECV] = SYNQ_SEC(60);
	c->timeout[CT_ESTABLISHED] = SYNQ_SEC(432000);
	c->timeout[CT_FIN_WAIT] = SYNQ_SEC(120);
	c->timeout[CT_CLOSE_WAIT] = SYNQ_SEC(60);
	c->timeout[CT_LAST_ACK] = SYNQ_SEC(30);
	c->timeout[CT_TIME_WAIT] = SYNQ_SEC(120);
	c->timeout[CT_CLOSE] = SYNQ_SEC(10);
	c->timeout[CT_SYN_SENT2] = SYNQ_SEC(120);
	c->unacknowledged = SYNQ_SEC(300);
	c->max_retrans = SYNQ_SEC(300);
}

void ct_config_whr_g54s(struct ct_config *c)
{
	ct_config_linux(c, 2048);
	c->timeout[CT_SYN_SENT] = SYNQ_SEC(60);
	c->timeout[CT_TIME_WAIT] = SYNQ_SEC(120);
}

int ct_config_set(struct ct_config *c, const char *name, const char *value)
{
	static const char prefix[] = "net.netfilter.nf_conntrack_tcp_timeout_";
	static const char *const keys[CT__STATES] = {
		NULL, "syn_sent", "syn_recv", "established", "fin_wait",
		"close_wait", "last_ack", "time_wait", "close", "syn_sent2",
	};
	char *end;
	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	unsigned long long v = strtoull(value, &end, 10);
	if (*end != '\0' || v > 0xffffffffu)
		return -EINVAL;
	if (!strcmp(name, "net.netfilter.nf_conntrack_max")) {
		if (v == 0 || v > (1u << 28))
			return -EINVAL;
		c->max = (uint32_t)v;
		return 0;
	}
	if (strncmp(name, prefix, sizeof prefix - 1))
		return -EINVAL;
	const char *key = name + sizeof prefix - 1;
	for (int s = 1; s < CT__STATES; s++)
		if (!strcmp(key, keys[s])) {
			c->timeout[s] = SYNQ_SEC((synq_time_t)v);
			return 0;
		}
	if (!strcmp(key, "unacknowledged")) {
		c->unacknowledged = SYNQ_SEC((synq_time_t)v);
		return 0;
	}
	if (!strcmp(key, "max_retrans")) {
		c->max_retrans = SYNQ_SEC((synq_time_t)v);
		return 0;
	}
	return -EINVAL;
}

static struct ct_tuple inverted(const struct ct_tuple *t)
{
	return (struct ct_tuple){ .src = t->dst, .dst = t->src, .sport = t->dport,
	                          .dport = t->sport };
}


static inline uint32_t next_slot(const struct ct_table *t, uint32_t i)
{
	return i + 1 == t->nslots ? 0 : i + 1;
}

void ct_tuple_place(const struct ct_table *t, const struct ct_tuple *k, uint32_t *home,
                    uint32_t *tag)
{
	uint64_t h = ct_tuple_hash(k);
	*home = ct_home_slot(t, h);
	*tag = ct_tag_bits(t, h) >> t->node_bits;
}

int ct_table_init(struct ct_table *t, const struct ct_config *cfg)
{
	memset(t, 0, sizeof *t);
	if (cfg->max == 0 || cfg->max > (1u << 28))
		return -EINVAL;
	t->cfg = *cfg;
	t->nslots = CT_SLOTS_PER_ENTRY * cfg->max;
	/* nodes plus one run from 1 to 2 * max; the tag takes what is left of
	 * 32 bits, at most 16 */
	t->node_bits = 1;
	while ((1u << t->node_bits) <= 2 * cfg->max)
		t->node_bits++;
	t->node_mask = (1u << t->node_bits) - 1;
	uint32_t tag_width = 32 - t->node_bits < 16 ? 32 - t->node_bits : 16;
	t->tag_mask = (1u << tag_width) - 1;
	t->tag_field = t->tag_mask << t->node_bits;
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < 64; f++)
			for (int old = 0; old < 16; old++) {
				uint8_t next = old < CT__STATES ? next_state[d][flag_class[f]][old] : IV;
				uint8_t step = next;
				if (next == IV || next == IG || next == CT_SYN_SENT)
					step = CT_STEP_NONE;
				else if (next == CT_ESTABLISHED &&
				         (old == CT_SYN_RECV || old == CT_ESTABLISHED))
					step |= CT_STEP_ASSURES;
				t->step[d][f][old] = step;
			}
	t->e = calloc(cfg->max, sizeof *t->e);
	t->slot = calloc(t->nslots, sizeof *t->slot);
	if (t->e == NULL || t->slot == NULL) {
		ct_table_free(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cfg->max; i++)
		t->e[i].orig.src = i + 1 < cfg->max ? i + 1 : CT_NIL; /* free list */
	t->free_head = 0;
	return 0;
}

void ct_table_free(struct ct_table *t)
{
	free(t->e);
	free(t->slot);
	t->e = NULL;
	t->slot = NULL;
}

static uint16_t fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)((sum & 0xffffu) + (sum >> 16));
}

/* v as a 16-bit field in network byte order reads in memory. */
static uint16_t as_wire16(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	uint16_t w;
	memcpy(&w, b, sizeof w);
	return w;
}

/* ct_entry's sum_addrs and sum_all. 32-bit words: a one's complement sum
 * is the same modulo 0xffff taken 16 or 32 bits at a time. The reply
 * inverted holds the same words as the reply, in other places. */
static void entry_sums(struct ct_entry *e)
{
	const struct ct_tuple *o = &e->orig, *r = &e->reply;
	uint64_t addrs = (uint64_t)r->src + r->dst + (uint32_t)~o->src + (uint32_t)~o->dst;
	uint64_t ports = ((uint32_t)r->sport << 16 | r->dport) +
	                 (uint64_t)(uint32_t)~((uint32_t)o->sport << 16 | o->dport);
	e->sum_addrs = as_wire16(fold(addrs));
	e->sum_all = as_wire16(fold(addrs + ports));
	e->translated = r->src != o->dst || r->dst != o->src || r->sport != o->dport ||
	                r->dport != o->sport;
}

static void slot_add(struct ct_table *t, uint32_t node, const struct ct_tuple *k)
{
	uint64_t h = ct_tuple_hash(k);
	uint32_t i = ct_home_slot(t, h);
	while (t->slot[i] != 0)
		i = next_slot(t, i);
	t->slot[i] = ct_tag_bits(t, h) | (node + 1);
}

/* Take node's slot out (its tuple k) and close the hole: every slot after
 * it in the run whose home is not between the hole and itself moves back
 * into the hole, which moves on to where it was. */
static void slot_remove(struct ct_table *t, uint32_t node, const struct ct_tuple *k)
{
	uint32_t hole = ct_home_slot(t, ct_tuple_hash(k));
	while ((t->slot[hole] & t->node_mask) != node + 1)
		hole = next_slot(t, hole);
	for (uint32_t j = next_slot(t, hole); t->slot[j] != 0; j = next_slot(t, j)) {
		uint32_t other = (t->slot[j] & t->node_mask) - 1;
		uint32_t home = ct_home_slot(t, ct_tuple_hash(ct_tuple_of(&t->e[other >> 1], other & 1)));
		bool stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
		if (!stays) {
			t->slot[hole] = t->slot[j];
			hole = j;
		}
	}
	t->slot[hole] = 0;
}

static void remove_entry(struct ct_table *t, uint32_t index)
{
	slot_remove(t, index * 2 + CT_ORIGINAL, &t->e[index].orig);
	slot_remove(t, index * 2 + CT_REPLY, &t->e[index].reply);
	t->e[index].used = false;
	t->e[index].orig.src = t->free_head;
	t->free_head = index;
	t->used--;
}

struct ct_entry *ct_find(struct ct_table *t, const struct ct_tuple *pkt, synq_time_t now,
                         enum ct_dir *dir)
{
	int d;
	uint32_t i = ct_lookup(t, pkt, &d);
	if (i == CT_NIL)
		return NULL;
	if (t->e[i].expires <= now) {
		remove_entry(t, i);
		t->stats.expired++;
		return NULL;
	}
	if (dir)
		*dir = (enum ct_dir)d;
	return &t->e[i];
}

/* Room for one more entry: a free one, else an expired one, else an
 * unassured one (early drop), among the next CT_EARLY_DROP_SCAN. */
static bool make_room(struct ct_table *t, synq_time_t now)
{
	if (t->used < t->cfg.max)
		return true;
	uint32_t victim = CT_NIL;
	for (uint32_t n = 0; n < CT_EARLY_DROP_SCAN && n < t->cfg.max; n++) {
		uint32_t i = (t->cursor + n) % t->cfg.max;
		if (t->e[i].expires <= now) {
			t->cursor = i + 1;
			remove_entry(t, i);
			t->stats.expired++;
			return true;
		}
		if (!t->e[i].assured && victim == CT_NIL)
			victim = i;
	}
	t->cursor = (t->cursor + CT_EARLY_DROP_SCAN) % t->cfg.max;
	if (victim != CT_NIL) {
		remove_entry(t, victim);
		t->stats.early_drops++;
		return true;
	}
	/* The kernel's garbage collector (gc_worker) walks the whole table
	 * and removes what has expired, sooner when the table is full: a
	 * sweep here at most once per CT_GC_INTERVAL. */
	if (t->last_sweep == 0 || now - t->last_sweep >= CT_GC_INTERVAL) {
		t->last_sweep = now ? now : 1;
		return ct_table_expire(t, now) > 0;
	}
	return false;
}

/* net_ratelimit(): a window opens with the first message and lets a burst
 * through; once it has run out, the next message opens a new one. */
static void table_full(struct ct_table *t, synq_time_t now)
{
	t->stats.drops++;
	if (t->full_window_events == 0 || now - t->full_window_start > CT_RATELIMIT_INTERVAL) {
		t->full_window_start = now;
		t->full_window_events = 0;
	}
	if (t->full_window_events < CT_RATELIMIT_BURST) {
		t->full_window_events++;
		t->stats.table_full_events++;
	} else {
		t->stats.table_full_suppressed++;
	}
}

static uint32_t insert(struct ct_table *t, const struct ct_tuple *orig)
{
	uint32_t i = t->free_head;
	struct ct_entry *e = &t->e[i];
	t->free_head = e->orig.src;
	*e = (struct ct_entry){ .orig = *orig, .reply = inverted(orig), .used = true,
		                .last_ignored = 0xff };
	entry_sums(e);
	slot_add(t, i * 2 + CT_ORIGINAL, &e->orig);
	slot_add(t, i * 2 + CT_REPLY, &e->reply);
	t->used++;
	t->stats.inserted++;
	return i;
}

enum ct_verdict ct_track(struct ct_table *t, const struct ct_tuple *pkt, uint8_t flags,
                         synq_time_t now, struct ct_entry **entry, enum ct_dir *dir)
{
	enum ct_dir d = CT_ORIGINAL;
	struct ct_entry *e = ct_find(t, pkt, now, &d);
	return ct_track_found(t, e, d, pkt, flags, now, entry, dir);
}

static enum ct_verdict track_slow(struct ct_table *t, struct ct_entry *e, enum ct_dir d,
                                  const struct ct_tuple *pkt, int cls, synq_time_t now,
                                  struct ct_entry **entry, enum ct_dir *dir);

enum ct_verdict ct_track_found(struct ct_table *t, struct ct_entry *e, enum ct_dir d,
                               const struct ct_tuple *pkt, uint8_t flags, synq_time_t now,
                               struct ct_entry **entry, enum ct_dir *dir)
{
	if (e && ct_track_fast(t, e, d, flags, now)) {
		*entry = e;
		*dir = d;
		return CT_ACCEPT;
	}
	return track_slow(t, e, d, pkt, flags_class(flags), now, entry, dir);
}

__attribute__((noinline)) static enum ct_verdict
track_slow(struct ct_table *t, struct ct_entry *e, enum ct_dir d, const struct ct_tuple *pkt,
           int cls, synq_time_t now, struct ct_entry **entry, enum ct_dir *dir)
{
	if (e && next_state[d][cls][e->state] == CT_SYN_SENT &&
	    (e->state == CT_TIME_WAIT || e->state == CT_CLOSE)) {
		/* A new connection on a closed tuple: the old entry goes. */
		remove_entry(t, (uint32_t)(e - t->e));
		t->stats.killed++;
		e = NULL;
	}
	if (e == NULL) {
		/* Only a SYN opens an entry; a bare ACK picks a connection up
		 * in mid-stream (nf_conntrack_tcp_loose = 1, the default). */
		uint8_t first = next_state[CT_ORIGINAL][cls][CT_NONE];
		if (first == IV || first == IG) {
			t->stats.invalid++;
			return CT_INVALID;
		}
		if (!make_room(t, now)) {
			table_full(t, now);
			return CT_DROP_FULL;
		}
		e = &t->e[insert(t, pkt)];
		e->state = first;
		e->expires = now + t->cfg.timeout[first];
		if (first == CT_ESTABLISHED && t->cfg.timeout[first] > t->cfg.unacknowledged)
			e->expires = now + t->cfg.unacknowledged; /* mid-stream pickup */
		*entry = e;
		*dir = CT_ORIGINAL;
		return CT_ACCEPT;
	}
	t->stats.found++;
	*entry = e;
	*dir = d;
	uint8_t old = e->state, next = next_state[d][cls][old];
	if (!e->seen_reply && d == CT_ORIGINAL && cls == F_SYN && old == CT_SYN_SENT)
		return CT_ACCEPT; /* a retransmitted SYN does not renew the timeout */
	if (!e->seen_reply && cls == F_RST) {
		/* The only answer was a reset (a closed port): gone at once. */
		remove_entry(t, (uint32_t)(e - t->e));
		t->stats.killed++;
		*entry = NULL;
		return CT_ACCEPT;
	}
	if (next == IV) {
		t->stats.invalid++;
		return CT_INVALID;
	}
	if (next == IG) {
		uint8_t was = e->last_ignored;
		e->last_ignored = (uint8_t)(cls << 1 | d);
		if (!(cls == F_SYNACK && was == (uint8_t)(F_SYN << 1 | (d ^ 1)))) {
			t->stats.ignored++;
			return CT_ACCEPT_IGNORED;
		}
		next = CT_SYN_RECV; /* back in sync with the two ends */
	}
	e->last_ignored = 0xff;
	synq_time_t timeout = t->cfg.timeout[next];
	if (!e->seen_reply) {
		/* picked up in mid-stream: not five days on one side's word */
		if (next == CT_ESTABLISHED && timeout > t->cfg.unacknowledged)
			timeout = t->cfg.unacknowledged;
	} else if (!e->assured && next == CT_ESTABLISHED &&
	           (old == CT_SYN_RECV || old == CT_ESTABLISHED)) {
		e->assured = true;
		t->stats.assured++;
	}
	if (d == CT_REPLY)
		e->seen_reply = true; /* after tracking, as the kernel does */
	e->state = next;
	e->expires = now + timeout;
	return CT_ACCEPT;
}

void ct_set_reply(struct ct_table *t, struct ct_entry *e, const struct ct_tuple *reply)
{
	uint32_t index = (uint32_t)(e - t->e);
	slot_remove(t, index * 2 + CT_REPLY, &e->reply);
	e->reply = *reply;
	entry_sums(e);
	slot_add(t, index * 2 + CT_REPLY, &e->reply);
}

void ct_remove(struct ct_table *t, struct ct_entry *e)
{
	remove_entry(t, (uint32_t)(e - t->e));
	t->stats.killed++;
}

bool ct_tuple_taken(struct ct_table *t, const struct ct_tuple *k)
{
	int dir;
	return ct_lookup(t, k, &dir) != CT_NIL;
}

uint32_t ct_table_expire(struct ct_table *t, synq_time_t now)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->cfg.max; i++)
		if (t->e[i].used && t->e[i].expires <= now) {
			remove_entry(t, i);
			n++;
		}
	t->stats.expired += n;
	return n;
}

void ct_table_count(const struct ct_table *t, synq_time_t now, uint32_t *per_state)
{
	memset(per_state, 0, CT__STATES * sizeof *per_state);
	for (uint32_t i = 0; i < t->cfg.max; i++)
		if (t->e[i].used && t->e[i].expires > now)
			per_state[t->e[i].state]++;
}

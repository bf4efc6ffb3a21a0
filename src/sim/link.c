/* SPDX-License-Identifier: BSD-2-Clause */
/* Point-to-point links: propagation delay, serialization at a fixed rate,
 * a drop-tail queue and seeded random loss (the model is described in
 * include/synq/sim.h).
 *
 * Each packet costs one event, its arrival. Because the queue is FIFO and
 * the rate fixed, the moment a packet will start transmitting is known as
 * soon as it is offered (the end of the previous transmission), so its
 * arrival is scheduled at once. What the queue still has to know is how
 * many packets are waiting at a given time: a ring holds the start times
 * of the waiting packets, and the ones whose time has come are popped
 * before each new offer. */
#include <errno.h>
#include <stdlib.h>

#include "base/cacheline.h"
#include "sim/sim_impl.h"
#include "synq/pcap.h"

#define NSEC_PER_SEC 1000000000u
#define WAITING_INITIAL_CAP 16u

void sim_link_config_init(struct sim_link_config *cfg)
{
	*cfg = (struct sim_link_config){ .queue_max_pkts = SIM_LINK_QUEUE_DEFAULT_PKTS };
}

static bool link_config_valid(const struct sim_link_config *cfg)
{
	return cfg && cfg->delay_ns >= 0 && cfg->delay_ns <= SIM_LINK_DELAY_MAX_NS &&
	       cfg->jitter_ns >= 0 && cfg->jitter_ns <= SIM_LINK_DELAY_MAX_NS &&
	       cfg->reorder_delay_ns >= 0 && cfg->reorder_delay_ns <= SIM_LINK_DELAY_MAX_NS &&
	       cfg->reorder >= 0.0 && cfg->reorder <= 1.0 &&
	       cfg->rate_bps <= SIM_LINK_RATE_MAX_BPS &&
	       cfg->queue_max_pkts <= SIM_LINK_QUEUE_MAX_PKTS &&
	       cfg->loss >= 0.0 && cfg->loss <= 1.0; /* false for NaN */
}

/* A direction that only delays sends each packet the moment it is
 * offered, draws nothing from its stream and keeps its packets in
 * order: its sends need none of the transmitter's model. */
static bool delays_only(const struct sim_link_config *cfg)
{
	return cfg->rate_bps == 0 && cfg->loss <= 0.0 && cfg->jitter_ns == 0 && cfg->reorder <= 0.0;
}

int sim_link_add(struct sim *sim, const struct sim_link_config *cfg,
                 struct sim_node *a, struct sim_node *b, struct sim_link **out)
{
	if (!link_config_valid(cfg) || !a || !b || a == b || !sim || !out)
		return -EINVAL;
	/* The ends may be in different domains of the same simulation: a
	 * cut link, whose delay is the lookahead (domain.c). */
	struct sim *root = sim->root;
	if (a->sim->root != root || b->sim->root != root)
		return -EINVAL;
	bool cut = a->sim != b->sim;
	if (a->n_ifaces == SIM_NODE_IFACES_MAX || b->n_ifaces == SIM_NODE_IFACES_MAX ||
	    root->n_links == SIM_LINKS_MAX)
		return -ENOSPC;
	if (cut) {
		int err = sim_par_cut_link(root, cfg);
		if (err)
			return err;
	}
	if (root->n_links == root->links_cap) {
		uint32_t cap = root->links_cap ? root->links_cap * 2 : 16;
		struct sim_link **links = realloc(root->links, cap * sizeof *links);
		if (!links)
			return -ENOMEM;
		root->links = links;
		root->links_cap = cap;
	}
	struct sim_link *link = calloc_lines(1, sizeof *link);
	if (!link)
		return -ENOMEM;
	link->sim = root;
	link->cut = cut;
	struct sim_node *nodes[2] = { a, b };
	for (int e = 0; e < 2; e++) {
		struct sim_node *n = nodes[e];
		link->end[e].node = n;
		link->end[e].iface = (uint8_t)n->n_ifaces;
		link->end[e].domain = (uint8_t)n->sim->domain;
		n->ifaces[n->n_ifaces++] = (struct sim_iface){ .link = link, .end = (uint8_t)e };
		link->dir[e].rx.to = &link->end[!e];
		link->dir[e].cfg = *cfg;
		link->dir[e].delay_only = delays_only(cfg);
		/* Each direction gets its own stream, decided by the seed and
		 * the order of creation only. */
		sim_rng_split(&root->rng, &link->dir[e].rng);
	}
	root->links[root->n_links++] = link;
	*out = link;
	return 0;
}

void sim_link_fini(struct sim_link *link)
{
	for (int e = 0; e < 2; e++) {
		free(link->dir[e].waiting);
		link->dir[e].waiting = NULL;
	}
}

int sim_link_configure(struct sim_link *link, enum sim_link_end from,
                       const struct sim_link_config *cfg)
{
	if (!link_config_valid(cfg) || (from != SIM_LINK_A && from != SIM_LINK_B))
		return -EINVAL;
	if (link->cut) {
		int err = sim_par_cut_link(link->sim, cfg);
		if (err)
			return err;
	}
	link->dir[from].cfg = *cfg;
	link->dir[from].delay_only = delays_only(cfg);
	return 0;
}

struct sim_node *sim_link_node(const struct sim_link *link, enum sim_link_end end)
{
	return link->end[end & 1].node;
}

void sim_link_capture(struct sim_link *link, enum sim_link_end at,
                      struct synq_pcap *pcap)
{
	link->end[at & 1].pcap = pcap;
}

/* Waiting packets whose start time is after now (the ring is in order). */
static uint32_t waiting_count(const struct sim_link_dir *d, synq_time_t now)
{
	uint32_t n = d->waiting_len;
	uint32_t mask = d->waiting_cap - 1;
	while (n && d->waiting[(d->waiting_head + d->waiting_len - n) & mask] <= now)
		n--;
	return n;
}

void sim_link_stats_get(const struct sim_link *link, enum sim_link_end from,
                        struct sim_link_stats *out)
{
	const struct sim_link_dir *d = &link->dir[from & 1];
	*out = d->stats;
	out->rx_packets = d->rx.packets;
	out->rx_bytes = d->rx.bytes;
	out->queue_pkts = waiting_count(d, link->end[from & 1].node->sim->now);
}

/* Make room for one more waiting packet (capacity stays a power of two). */
static int waiting_grow(struct sim_link_dir *d)
{
	uint32_t cap = d->waiting_cap ? d->waiting_cap * 2 : WAITING_INITIAL_CAP;
	synq_time_t *ring = calloc_lines(cap, sizeof *ring);
	if (!ring)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->waiting_len; i++)
		ring[i] = d->waiting[(d->waiting_head + i) & (d->waiting_cap - 1)];
	free(d->waiting);
	d->waiting = ring;
	d->waiting_cap = cap;
	d->waiting_head = 0;
	return 0;
}

static void link_drop(struct sim_link_dir *d, struct sim *sim, struct sim_packet *p,
                      enum synq_drop_reason reason)
{
	d->stats.drops.by_reason[reason]++;
	sim_packet_free(sim, p);
}

/* p arrives at the far end of d's link. Inlined into both kinds of
 * arrival event: it is the last step of nearly every event. */
static inline __attribute__((always_inline)) void
arrive(struct sim *sim, struct sim_link_dir *d, struct sim_packet *p)
{
	const struct sim_link_endpoint *to = d->rx.to;
	d->rx.packets++;
	d->rx.bytes += p->len;
	if (to->pcap) {
		sim_packet_csum_ready(p);
		synq_pcap_write(to->pcap, sim->now, p->data, p->len);
	}
	sim_node_input(to->node, to->iface, p);
}

/* A packet with an event of its own (it overtook its FIFO's tail). */
static void link_arrive(struct sim *sim, void *arg)
{
	struct sim_packet *p = arg;
	arrive(sim, &p->link->dir[p->from], p);
}

/* The FIFO's head arrives; the packets behind it that the run loop would
 * take next anyway arrive here too, without an event each (a burst on a
 * busy link). The next head waits as a pending packet, not an event,
 * while its predecessor arrives: the two counts sum the same. */
static void link_fifo_arrive(struct sim *sim, void *arg)
{
	struct sim_link_dir *d = arg;
	struct sim_packet *p = d->rx.fifo_head;
	struct sim_packet *next;
	for (;;) {
		next = p->next_free;
		d->rx.fifo_head = next;
		if (next == NULL) {
			d->rx.fifo_tail = NULL;
		} else {
			/* sent a link's delay ago: cold; wanted after p */
			__builtin_prefetch(next, 0, 3);
			__builtin_prefetch((const char *)next + 64, 0, 3);
		}
		arrive(sim, d, p);  /* frees p */
		if (next == NULL)
			return;
		sim->fifo_pending--;
		if (!sim_run_inline(sim, next->arrival, next->seq))
			break;
		p = next;
	}
	/* cannot fail: the queue had room for it as a pending packet */
	sim_queue_add_seq(&sim->queue, next->arrival, next->seq, link_fifo_arrive, d, NULL);
}

/* The arrival of p cannot join the tail of d's FIFO: it overtakes the
 * tail (jitter, reordering) and gets an event of its own, or the queue
 * has no room for it. */
static void deliver_aside(struct sim *sim, struct sim_packet *p)
{
	const struct sim_link_dir *d = &p->link->dir[p->from];
	if (d->rx.fifo_tail != NULL && p->arrival < d->rx.fifo_tail->arrival) {
		if (sim_event_schedule(sim, p->arrival, link_arrive, p, NULL) != 0)
			sim_packet_free(sim, p); /* counted in sim events_exhausted */
		return;
	}
	sim->events_exhausted++;
	sim_packet_free(sim, p);
}

/* Queue the arrival of p, sent by this domain on direction d: at the
 * tail of d's FIFO, or aside. Every call it makes is its last step. */
static inline __attribute__((always_inline)) void
deliver_here(struct sim *sim, struct sim_link_dir *d, struct sim_packet *p)
{
	struct sim_packet *tail = d->rx.fifo_tail;
	if ((tail != NULL && p->arrival < tail->arrival) ||
	    sim->queue.len + sim->fifo_pending >= sim->queue.max) {
		deliver_aside(sim, p);
		return;
	}
	p->seq = sim_queue_take_seq(&sim->queue);
	p->next_free = NULL;
	if (tail == NULL) {
		d->rx.fifo_head = d->rx.fifo_tail = p;
		sim_queue_add_seq(&sim->queue, p->arrival, p->seq, link_fifo_arrive, d, NULL);
		return;
	}
	tail->next_free = p;
	d->rx.fifo_tail = p;
	sim->fifo_pending++;
}

static void count_sent(struct sim_link_dir *d, const struct sim_link_endpoint *at,
                       synq_time_t now, struct sim_packet *p)
{
	d->stats.tx_packets++;
	d->stats.tx_bytes += p->len;
	if (at->pcap) {
		sim_packet_csum_ready(p);
		synq_pcap_write(at->pcap, now, p->data, p->len);
	}
}

/* The transmitter's model: the queue, the rate, loss, jitter and
 * reordering. The arrival time of p, or -1 when it is dropped (counted
 * and freed). */
static synq_time_t shaped_arrival(struct sim_link_dir *d, const struct sim_link_endpoint *at,
                                  struct sim *sim, struct sim_packet *p)
{
	synq_time_t now = sim->now;
	/* Packets whose transmission has begun leave the queue. */
	while (d->waiting_len && d->waiting[d->waiting_head] <= now) {
		d->waiting_head = (d->waiting_head + 1) & (d->waiting_cap - 1);
		d->waiting_len--;
	}

	synq_time_t start;
	if (d->busy_until < now) {
		start = now;  /* idle: no fraction of a nanosecond is owed */
		d->carry = 0;
	} else if (d->busy_until == now) {
		start = now;  /* back to back: keep the carried fraction */
	} else {
		if (d->waiting_len >= d->cfg.queue_max_pkts ||
		    (d->waiting_len == d->waiting_cap && waiting_grow(d) != 0)) {
			link_drop(d, sim, p, SYNQ_DROP_LINK_QUEUE_FULL);
			return -1;
		}
		start = d->busy_until;
		d->waiting[(d->waiting_head + d->waiting_len) & (d->waiting_cap - 1)] = start;
		d->waiting_len++;
		if (d->waiting_len > d->stats.queue_peak_pkts)
			d->stats.queue_peak_pkts = d->waiting_len;
	}

	synq_time_t finish = start;
	if (d->cfg.rate_bps) {
		/* N * 8 * 10^9 / rate ns, whole ns now and the remainder later. */
		uint64_t scaled = (uint64_t)p->len * 8u * NSEC_PER_SEC + d->carry;
		finish += (synq_time_t)(scaled / d->cfg.rate_bps);
		d->carry = scaled % d->cfg.rate_bps;
	}
	d->busy_until = finish;
	count_sent(d, at, now, p);

	if (sim_rng_chance(&d->rng, d->cfg.loss)) {
		link_drop(d, sim, p, SYNQ_DROP_LINK_LOSS);
		return -1;
	}
	synq_time_t arrival = finish + d->cfg.delay_ns;
	if (d->cfg.jitter_ns)
		arrival += (synq_time_t)sim_rng_below(&d->rng, (uint64_t)d->cfg.jitter_ns + 1);
	if (d->cfg.reorder > 0 && sim_rng_chance(&d->rng, d->cfg.reorder))
		arrival += d->cfg.reorder_delay_ns;
	return arrival;
}

/* Hand p to the far end's domain at the next barrier. */
static void post_across(struct sim_link *link, enum sim_link_end from, struct sim *sim,
                        struct sim_packet *p)
{
	p->seq = (uint64_t)sim->now;
	struct sim_mailbox *box = &sim->out[sim->parity][link->end[!from].domain];
	if (box->n == box->cap && sim_mailbox_grow(box) != 0) {
		sim->events_exhausted++; /* as when its event finds no room */
		sim_packet_free(sim, p);
		return;
	}
	box->pkt[box->n++] = p;
	if (p->arrival < sim->out_min)
		sim->out_min = p->arrival;
}

/* A send on a direction without a rate whose transmitter is idle: what
 * the model does then, without its arithmetic. */
static void start_unrated(struct sim_link_dir *d, synq_time_t now)
{
	if (d->busy_until < now) {
		d->busy_until = now;
		d->carry = 0; /* idle: no fraction of a nanosecond is owed */
	}
}

/* Any send but the most common one (see sim_link_transmit()). */
static __attribute__((noinline)) void transmit_modelled(struct sim_link *link,
                                                        enum sim_link_end from,
                                                        struct sim_packet *p)
{
	const struct sim_link_endpoint *at = &link->end[from];
	struct sim *sim = at->node->sim;
	struct sim_link_dir *d = &link->dir[from];
	synq_time_t now = sim->now;

	synq_time_t arrival;
	if (d->delay_only && d->busy_until <= now) {
		start_unrated(d, now);
		count_sent(d, at, now, p);
		arrival = now + d->cfg.delay_ns;
	} else {
		arrival = shaped_arrival(d, at, sim, p);
		if (arrival < 0)
			return;
	}
	p->link = link;
	p->from = (uint8_t)from;
	p->arrival = arrival;
	if (link->cut)
		post_across(link, from, sim, p);
	else
		deliver_here(sim, d, p);
}

/* The most common send has a path of its own: on a link that only
 * delays, its transmitter idle, not captured. It then makes no call but
 * as its last step (to this domain's queue, or across to another's). */
void sim_link_transmit(struct sim_link *link, enum sim_link_end from,
                       struct sim_packet *p)
{
	const struct sim_link_endpoint *at = &link->end[from];
	struct sim *sim = at->node->sim; /* the sending domain */
	struct sim_link_dir *d = &link->dir[from];
	synq_time_t now = sim->now;
	if (!d->delay_only || d->busy_until > now || at->pcap) {
		transmit_modelled(link, from, p);
		return;
	}
	start_unrated(d, now);
	d->stats.tx_packets++;
	d->stats.tx_bytes += p->len;
	p->link = link;
	p->from = (uint8_t)from;
	p->arrival = now + d->cfg.delay_ns;
	if (link->cut)
		post_across(link, from, sim, p);
	else
		deliver_here(sim, d, p);
}

void sim_link_deliver_seq(struct sim *sim, struct sim_packet *p)
{
	struct sim_link_dir *d = &p->link->dir[p->from];
	bool in_order = d->rx.fifo_tail == NULL || p->arrival >= d->rx.fifo_tail->arrival;
	if (sim->queue.len + sim->fifo_pending >= sim->queue.max) {
		sim->events_exhausted++;
		sim_packet_free(sim, p);
		return;
	}
	if (!in_order) {
		/* out of order (jitter, reordering): an event of its own */
		if (sim_queue_add_seq(&sim->queue, p->arrival, p->seq, link_arrive, p, NULL) != 0) {
			sim->events_exhausted++;
			sim_packet_free(sim, p);
		}
		return;
	}
	p->next_free = NULL;
	if (d->rx.fifo_tail == NULL) {
		d->rx.fifo_head = d->rx.fifo_tail = p;
		sim_queue_add_seq(&sim->queue, p->arrival, p->seq, link_fifo_arrive, d, NULL);
		return;
	}
	d->rx.fifo_tail->next_free = p;
	d->rx.fifo_tail = p;
	sim->fifo_pending++;
}


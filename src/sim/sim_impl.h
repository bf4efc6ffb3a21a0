/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SIM_IMPL_H
#define SYNQ_SIM_IMPL_H

/* The simulator's insides, shared by the files of src/sim only. The public
 * view is include/synq/sim.h. */

#include <stdbool.h>
#include <stdint.h>

#include "sim/event.h"
#include "sim/rng.h"
#include "synq/sim.h"

#define SIM_NODES_MAX (1u << 20)
#define SIM_LINKS_MAX (1u << 20)


/* One datagram in flight, in a buffer from the simulation's pool. */
struct sim_packet {
	struct sim_packet *next_free;  /* also the next in its link's FIFO */
	struct sim_link *link;  /* the link carrying it */
	synq_time_t arrival;    /* in a link's FIFO: when, and the event */
	uint64_t seq;           /* sequence number it would have had; across a
	                           cut link, until handed over: the send time */
	uint32_t len;
	uint8_t from;           /* enum sim_link_end it was sent from */
	uint8_t csum_ok;        /* built by a synq stack: its TCP checksum is
	                           right (routers and NAT keep it right) */
	uint8_t owner;          /* the domain whose slab the buffer is in */
	uint8_t csum_unfilled;  /* its TCP checksum is left to the device (the
	                           sending stack offloads it): filled in before
	                           anything but a synq stack reads the packet */
	uint8_t data[];
};

/* One direction of a link: its transmitter and the packets waiting for it. */
struct sim_link_dir {
	struct sim_link_config cfg;
	bool delay_only;         /* cfg has no rate, loss, jitter or reordering */
	struct sim_rng rng;
	synq_time_t busy_until;  /* the transmitter is free from this time */
	uint64_t carry;          /* remainder of bits * 10^9 / rate, < rate */
	/* Ring of the start times of waiting packets, oldest first; a packet
	 * leaves the queue when its transmission starts. Start times are
	 * decided on arrival, so the queue needs no events of its own. */
	synq_time_t *waiting;
	uint32_t waiting_cap;
	uint32_t waiting_head;
	uint32_t waiting_len;
	struct sim_link_stats stats; /* rx_packets, rx_bytes: in rx below */
	/* The receiving end's part, touched only by the domain of the node
	 * at the far end (domain.c): on its own cache line. Packets in
	 * flight whose arrivals come in sending order (a fixed delay): only
	 * the first has an event in the queue, the rest wait here with the
	 * time and sequence number their event would have had, so they
	 * leave the queue in the same order, keeping it small. */
	struct {
		_Alignas(64) struct sim_packet *fifo_head, *fifo_tail;
		uint64_t packets, bytes;
		const struct sim_link_endpoint *to; /* the receiving end */
	} rx;
};

struct sim_link_endpoint {
	struct sim_node *node;
	struct synq_pcap *pcap;
	uint8_t iface;          /* index in node->ifaces */
	uint8_t domain;         /* node->sim->domain, kept here: a sender in
	                           another domain must not read the node's
	                           domain, whose lines that domain writes all
	                           the time (a cache miss per packet) */
};

struct sim_link {
	struct sim *sim;         /* the root simulation */
	bool cut;                /* its ends are in different domains */
	struct sim_link_endpoint end[2];
	struct sim_link_dir dir[2]; /* dir[e]: sends from end e */
};

struct sim_iface {
	struct sim_link *link;
	uint8_t end;            /* this node's end of link */
};

struct sim_route {
	uint32_t prefix;
	uint32_t mask;
	uint8_t prefix_len;
	uint8_t iface;
};

struct sim_node {
	struct sim *sim;
	char name[SIM_NODE_NAME_MAX];
	uint32_t addr;
	enum sim_node_kind kind;
	sim_receive_fn receive;
	sim_timer_fn timer;
	sim_forward_fn forward;
	void *ctx;
	struct synq_pcap *pcap;
	sim_event_id timer_event;  /* 0 when disarmed */
	synq_time_t timer_deadline;
	uint32_t n_ifaces;
	uint32_t n_routes;
	struct sim_iface ifaces[SIM_NODE_IFACES_MAX];
	struct sim_route routes[SIM_NODE_ROUTES_MAX];
	struct sim_node_stats stats;
	bool rx_csum_ok;           /* during receive: the packet's csum_ok */
	bool csum_offload;         /* its synq stacks leave TCP checksums to it,
	                              and take datagrams with them unfilled */
};

/* A list of packets chained through next_free. */
struct sim_packet_list {
	struct sim_packet *head, *tail;
	uint32_t n;
};

/* Packets sent across a cut link in one window, for one receiving
 * domain, in sending order. An array rather than a list: the receiver
 * walks it on another core, and from an array it can fetch the packets'
 * cache lines ahead instead of one pointer after the other. */
struct sim_mailbox {
	struct sim_packet **pkt;
	uint32_t n, cap;
};

struct sim_par;

/* A simulation, or one domain of it (domain.c): a clock, an event queue,
 * a packet pool and counters of its own. The simulation sim_create()
 * returns is its root and also domain 0; nodes added to a domain live in
 * it, and everything their callbacks do happens there. */
struct sim {
	struct sim_config cfg;
	synq_time_t now;
	struct sim_queue queue;
	struct sim_rng rng;
	bool stopped;
	uint64_t instant_steps;   /* events run so far at time now */
	uint64_t events_run;
	uint64_t events_exhausted;
	uint32_t fifo_pending;    /* packets waiting in link FIFOs (events too) */
	/* The bounds of the sim_domain_run() under way ((0, 0) outside one):
	 * an event keyed before them may run (sim_run_inline()). */
	synq_time_t run_until;
	uint64_t run_seq_limit;

	/* Packet pool: fixed-size buffers carved from slabs, on a free list. */
	struct sim_packet *packet_free;
	uint32_t packet_free_n;    /* buffers on packet_free */
	size_t packet_stride;
	void **slabs;
	uint32_t n_slabs;
	uint32_t slabs_cap;
	uint32_t packets_allocated;
	uint32_t packets_in_use;
	uint64_t packets_exhausted;

	struct sim_node **nodes;
	uint32_t n_nodes;
	uint32_t nodes_cap;
	struct sim_link **links;
	uint32_t n_links;
	uint32_t links_cap;

	/* Domains (domain.c). */
	struct sim *root;        /* itself for the root */
	struct sim_par *par;     /* root only, once a second domain exists */
	uint32_t domain;         /* index, 0 for the root */
	unsigned parity;         /* of the window running (or last run) */
	int error;               /* -ELOOP met in a window */
	uint64_t steps;          /* events run in this sim_run_until() call */
	/* Published for the decision after a window (domain.c), by the
	 * window's parity: the earliest event or packet in flight, and
	 * whether the domain stopped or failed. */
	struct {
		synq_time_t next;
		bool before_global; /* has work due before the next global event */
		bool halt;
	} pub[2];
	synq_time_t out_min;     /* earliest arrival in out[parity] */
	/* Packets sent across a cut link in the window of parity b, for
	 * domain d: out[b][d]. */
	struct sim_mailbox out[2][SIM_DOMAINS_MAX];
	/* Buffers of domain d's slabs this domain gave up in the window of
	 * parity b (packet.c): back[b][d]. */
	struct sim_packet_list back[2][SIM_DOMAINS_MAX];
	/* Where the clock went in the last window: each new time with the
	 * sequence number due then; and the number due at its end. A packet
	 * from another domain is numbered from them (domain.c). */
	bool logging;
	struct sim_time_mark {
		synq_time_t time;
		uint64_t seq;
	} *marks;
	uint32_t n_marks, cap_marks;
	uint64_t seq_end;
	uint64_t in_base, in_count; /* numbering of handed-over packets */
	/* Wall time spent in this domain's windows of each parity, by the
	 * thread that ran them (domain.c: sharing domains among threads). */
	uint64_t work_ns[2];
};

/* packet.c */
int sim_packet_pool_init(struct sim *sim);
void sim_packet_pool_fini(struct sim *sim);
/* A buffer holding a copy of pkt, or NULL (pool exhausted, counted). */
struct sim_packet *sim_packet_alloc(struct sim *sim, const uint8_t *pkt, size_t len);
/* Free buffers beyond which a domain sends foreign ones back (packet.c). */
#define SIM_PACKET_ADOPT_MAX 4096u
/* Put p (of another domain's slab) on the list back to its domain. */
void sim_packet_send_back(struct sim *sim, struct sim_packet *p);
/* Inline: nearly every event ends with one. */
static inline void sim_packet_free(struct sim *sim, struct sim_packet *p)
{
	sim->packets_in_use--;
	if (p->owner != sim->domain && sim->packet_free_n >= SIM_PACKET_ADOPT_MAX) {
		sim_packet_send_back(sim, p);
		return;
	}
	p->next_free = sim->packet_free;
	sim->packet_free = p;
	sim->packet_free_n++;
}

/* link.c: offer p (owned from here on) to the direction sending from end. */
void sim_link_transmit(struct sim_link *link, enum sim_link_end from,
                       struct sim_packet *p);
void sim_link_fini(struct sim_link *link);
/* Queue the arrival of p (link, from, arrival and seq set) in sim, the
 * domain of the receiving node: a packet from another domain, at a
 * barrier. */
void sim_link_deliver_seq(struct sim *sim, struct sim_packet *p);

/* sim.c */
/* Set up sim's queue and pool from cfg (resolved already). */
int sim_init(struct sim *sim, const struct sim_config *cfg);
void sim_fini(struct sim *sim);
/* The run loop of one domain: events due before until, and those at
 * until with a sequence number below seq_limit (UINT64_MAX: all), while
 * no stop or livelock bound trips. 0 or -ELOOP. */
int sim_domain_run(struct sim *sim, synq_time_t until, uint64_t seq_limit);

/* Would the run loop run an event keyed (time, seq) next, with nothing
 * in the way (no other event before it, no bound reached)? Then it is
 * counted as run, the clock moves to time, and the caller runs it itself
 * instead of queueing it (a link FIFO's next packet): true. False leaves
 * everything as it was. */
bool sim_run_inline(struct sim *sim, synq_time_t time, uint64_t seq);

/* domain.c */
/* The clock of a domain that logs moves to time: remember the sequence
 * number due at that moment. */
void sim_time_mark(struct sim *sim, synq_time_t time);
/* Run a simulation with domains (sim_run_until() of the root). */
int sim_par_run_until(struct sim *sim, synq_time_t until);
void sim_par_destroy(struct sim *sim);
int sim_par_schedule_global(struct sim *sim, synq_time_t at, sim_event_fn fn, void *arg);
/* Add a cut link's delay to the lookahead; 0 or -EINVAL (zero delay). */
int sim_par_cut_link(struct sim *sim, const struct sim_link_config *cfg);
void sim_par_stats_add(const struct sim *sim, struct sim_stats *out);
/* Room for one more packet in box; 0 or -ENOMEM. */
int sim_mailbox_grow(struct sim_mailbox *box);

/* node.c */
/* The interface a packet to dst leaves by, or -1 (no route). */
int sim_node_route_lookup(const struct sim_node *node, uint32_t dst);
/* Send p (owned from here on) out of interface iface, counting it. */
void sim_node_output(struct sim_node *node, uint32_t iface, struct sim_packet *p);
void sim_node_drop(struct sim_node *node, struct sim_packet *p,
                   enum synq_drop_reason reason);
/* A packet arrived on interface iface: counts, capture, then router or
 * receive callback. Takes ownership of p. */
void sim_node_input(struct sim_node *node, uint32_t iface, struct sim_packet *p);

/* sim_node_send() for a datagram a synq stack built (a host's or a host
 * group's output): its TCP checksum is right by construction, so the
 * stack that receives it need not sum it again (synq_stack_input_verified()). */
int sim_node_send_built(struct sim_node *node, const uint8_t *pkt, size_t len);
/* In a node's receive callback: whether the packet is one of those. */
static inline bool sim_node_rx_built(const struct sim_node *node)
{
	return node->rx_csum_ok;
}

/* Fill in p's TCP checksum if its stack left it to the device (packet.c):
 * before a capture, a NAT or any receiver but a synq stack reads it. */
void sim_packet_csum_fill(struct sim_packet *p);
static inline void sim_packet_csum_ready(struct sim_packet *p)
{
	if (p->csum_unfilled)
		sim_packet_csum_fill(p);
}
/* The same before node's receive callback, which takes an unfilled sum if
 * it is a synq stack's. Debug builds fill it anyway: the stack checks
 * there that the driver's word is right. */
static inline void sim_packet_csum_ready_for(const struct sim_node *node, struct sim_packet *p)
{
#ifdef SYNQ_DEBUG
	(void)node;
#else
	if (node->csum_offload)
		return;
#endif
	sim_packet_csum_ready(p);
}

/* sim_node_timer_set() for a deadline that is most often the one set
 * already (a host re-arms after every event): that case costs no call. */
static inline void sim_node_timer_update(struct sim_node *node, synq_time_t deadline)
{
	if (deadline != node->timer_deadline)
		sim_node_timer_set(node, deadline);
}

/* router.c: forward (or deliver locally) a packet that arrived at a router. */
void sim_router_input(struct sim_node *node, struct sim_packet *p);

#endif

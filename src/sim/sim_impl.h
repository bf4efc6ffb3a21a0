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
	uint64_t seq;           /* sequence number it would have had */
	uint32_t len;
	uint8_t from;           /* enum sim_link_end it was sent from */
	uint8_t csum_ok;        /* built by a synq stack: its TCP checksum is
	                           right (routers and NAT keep it right) */
	uint8_t data[];
};

/* One direction of a link: its transmitter and the packets waiting for it. */
struct sim_link_dir {
	struct sim_link_config cfg;
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
	/* Packets in flight whose arrivals come in sending order (a fixed
	 * delay): only the first has an event in the queue, the rest wait
	 * here with the time and sequence number their event would have had,
	 * so they leave the queue in the same order, keeping it small. */
	struct sim_packet *fifo_head, *fifo_tail;
	struct sim_link_stats stats;
};

struct sim_link_endpoint {
	struct sim_node *node;
	struct synq_pcap *pcap;
	uint8_t iface;          /* index in node->ifaces */
};

struct sim_link {
	struct sim *sim;
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
};

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

	/* Packet pool: fixed-size buffers carved from slabs, on a free list. */
	struct sim_packet *packet_free;
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
};

/* packet.c */
int sim_packet_pool_init(struct sim *sim);
void sim_packet_pool_fini(struct sim *sim);
/* A buffer holding a copy of pkt, or NULL (pool exhausted, counted). */
struct sim_packet *sim_packet_alloc(struct sim *sim, const uint8_t *pkt, size_t len);
void sim_packet_free(struct sim *sim, struct sim_packet *p);

/* link.c: offer p (owned from here on) to the direction sending from end. */
void sim_link_transmit(struct sim_link *link, enum sim_link_end from,
                       struct sim_packet *p);
void sim_link_fini(struct sim_link *link);

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

/* router.c: forward (or deliver locally) a packet that arrived at a router. */
void sim_router_input(struct sim_node *node, struct sim_packet *p);

#endif

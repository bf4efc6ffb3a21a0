/* SPDX-License-Identifier: BSD-2-Clause */
/* Nodes: interfaces, the route table, sending, receiving and the timer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cacheline.h"
#include "ip/byteorder.h"
#include "ip/ipv4.h"
#include "sim/sim_impl.h"
#include "synq/pcap.h"

int sim_node_add(struct sim *sim, const struct sim_node_config *cfg,
                 struct sim_node **out)
{
	if (!cfg || !out || (cfg->kind != SIM_NODE_HOST && cfg->kind != SIM_NODE_ROUTER))
		return -EINVAL;
	/* The node lives in domain sim; the root keeps the list. */
	struct sim *root = sim->root;
	if (root->n_nodes == SIM_NODES_MAX)
		return -ENOSPC;
	if (root->n_nodes == root->nodes_cap) {
		uint32_t cap = root->nodes_cap ? root->nodes_cap * 2 : 16;
		struct sim_node **nodes = realloc(root->nodes, cap * sizeof *nodes);
		if (!nodes)
			return -ENOMEM;
		root->nodes = nodes;
		root->nodes_cap = cap;
	}
	struct sim_node *node = calloc_lines(1, sizeof *node);
	if (!node)
		return -ENOMEM;
	node->sim = sim;
	if (cfg->name) {
		strncpy(node->name, cfg->name, sizeof node->name - 1);
		node->name[sizeof node->name - 1] = '\0';
	}
	node->addr = cfg->addr;
	node->kind = cfg->kind;
	node->receive = cfg->receive;
	node->forward = cfg->forward;
	node->timer = cfg->timer;
	node->ctx = cfg->ctx;
	node->timer_deadline = SYNQ_TIME_NEVER;
	root->nodes[root->n_nodes++] = node;
	*out = node;
	return 0;
}

struct sim *sim_node_sim(const struct sim_node *node)
{
	return node->sim;
}

const char *sim_node_name(const struct sim_node *node)
{
	return node->name;
}

uint32_t sim_node_addr(const struct sim_node *node)
{
	return node->addr;
}

void *sim_node_ctx(const struct sim_node *node)
{
	return node->ctx;
}

void sim_node_stats_get(const struct sim_node *node, struct sim_node_stats *out)
{
	*out = node->stats;
}

void sim_node_capture(struct sim_node *node, struct synq_pcap *pcap)
{
	node->pcap = pcap;
}

/* ------------------------------------------------------------- routing */

static uint32_t prefix_mask(unsigned prefix_len)
{
	return prefix_len ? ~(uint32_t)0 << (32 - prefix_len) : 0;
}

int sim_node_route_add(struct sim_node *node, uint32_t prefix,
                       unsigned prefix_len, struct sim_link *via)
{
	uint32_t mask = prefix_len <= 32 ? prefix_mask(prefix_len) : 0;
	if (prefix_len > 32 || (prefix & ~mask) || !via)
		return -EINVAL;
	uint32_t iface = 0;
	while (iface < node->n_ifaces && node->ifaces[iface].link != via)
		iface++;
	if (iface == node->n_ifaces)
		return -EINVAL;
	for (uint32_t i = 0; i < node->n_routes; i++)
		if (node->routes[i].prefix == prefix &&
		    node->routes[i].prefix_len == prefix_len)
			return -EEXIST;
	if (node->n_routes == SIM_NODE_ROUTES_MAX)
		return -ENOSPC;
	node->routes[node->n_routes++] = (struct sim_route){
		.prefix = prefix, .mask = mask, .prefix_len = (uint8_t)prefix_len,
		.iface = (uint8_t)iface,
	};
	return 0;
}

int sim_node_route_lookup(const struct sim_node *node, uint32_t dst)
{
	int best = -1;
	int best_len = -1;
	for (uint32_t i = 0; i < node->n_routes; i++) {
		const struct sim_route *r = &node->routes[i];
		if ((dst & r->mask) == r->prefix && r->prefix_len > best_len) {
			best = r->iface;
			best_len = r->prefix_len;
		}
	}
	return best;
}

/* ------------------------------------------------------ packets out, in */

void sim_node_drop(struct sim_node *node, struct sim_packet *p,
                   enum synq_drop_reason reason)
{
	node->stats.drops.by_reason[reason]++;
	sim_packet_free(node->sim, p);
}

/* Inlined into a node's own sends, which are nearly every packet. */
static inline __attribute__((always_inline)) void
node_output(struct sim_node *node, uint32_t iface, struct sim_packet *p)
{
	const struct sim_iface *i = &node->ifaces[iface];
	node->stats.tx_packets++;
	node->stats.tx_bytes += p->len;
	if (node->pcap) {
		sim_packet_csum_ready(p);
		synq_pcap_write(node->pcap, node->sim->now, p->data, p->len);
	}
	sim_link_transmit(i->link, (enum sim_link_end)i->end, p);
}

void sim_node_output(struct sim_node *node, uint32_t iface, struct sim_packet *p)
{
	node_output(node, iface, p);
}

static int node_send(struct sim_node *node, const uint8_t *pkt, size_t len, bool built)
{
	struct sim *sim = node->sim;
	if (!pkt || len == 0)
		return -EINVAL;
	if (len > sim->cfg.packet_max_bytes)
		return -EMSGSIZE;
	int iface;
	if (node->n_routes == 0) {
		iface = node->n_ifaces ? 0 : -1;
	} else {
		if (len < IPV4_HEADER_MIN)
			return -EINVAL;
		iface = sim_node_route_lookup(node, load_be32(pkt + 16));
	}
	if (iface < 0) {
		node->stats.drops.by_reason[SYNQ_DROP_IP_NO_ROUTE]++;
		return 0;
	}
	struct sim_packet *p = sim_packet_alloc(sim, pkt, len);
	if (!p)
		return -ENOBUFS;
	p->csum_ok = built;
	p->csum_unfilled = built && node->csum_offload;
	node_output(node, (uint32_t)iface, p);
	return 0;
}

int sim_node_send(struct sim_node *node, const uint8_t *pkt, size_t len)
{
	return node_send(node, pkt, len, false);
}

int sim_node_send_built(struct sim_node *node, const uint8_t *pkt, size_t len)
{
	return node_send(node, pkt, len, true);
}

void sim_node_input(struct sim_node *node, uint32_t iface, struct sim_packet *p)
{
	(void)iface;
	node->stats.rx_packets++;
	node->stats.rx_bytes += p->len;
	if (node->pcap) {
		sim_packet_csum_ready(p);
		synq_pcap_write(node->pcap, node->sim->now, p->data, p->len);
	}
	if (node->kind == SIM_NODE_ROUTER) {
		sim_router_input(node, p);
		return;
	}
	if (node->receive) {
		sim_packet_csum_ready_for(node, p);
		node->rx_csum_ok = p->csum_ok;
		node->receive(node->ctx, node, p->data, p->len, node->sim->now);
		node->rx_csum_ok = false;
	}
	sim_packet_free(node->sim, p);
}

/* ---------------------------------------------------------------- timer */

static void node_timer_fire(struct sim *sim, void *arg)
{
	struct sim_node *node = arg;
	node->timer_event = 0;
	node->timer_deadline = SYNQ_TIME_NEVER;
	node->stats.timer_calls++;
	node->timer(node->ctx, node, sim->now);
}

int sim_node_timer_set(struct sim_node *node, synq_time_t deadline)
{
	struct sim *sim = node->sim;
	if (!node->timer)
		return -EINVAL;
	if (deadline == SYNQ_TIME_NEVER) {
		if (node->timer_event)
			sim_event_cancel(sim, node->timer_event);
		node->timer_event = 0;
		node->timer_deadline = SYNQ_TIME_NEVER;
		return 0;
	}
	if (deadline < sim->now)
		deadline = sim->now;
	if (node->timer_event) {
		/* Re-arming at the same time keeps its place among ties. */
		if (deadline != node->timer_deadline)
			sim_event_reschedule(sim, node->timer_event, deadline);
	} else {
		int err = sim_event_schedule(sim, deadline, node_timer_fire, node,
		                             &node->timer_event);
		if (err)
			return err;
	}
	node->timer_deadline = deadline;
	return 0;
}

synq_time_t sim_node_timer_deadline(const struct sim_node *node)
{
	return node->timer_deadline;
}

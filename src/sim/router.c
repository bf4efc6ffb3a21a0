/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 forwarding at a router node, in the order of Linux's receive path:
 * header checks (ip_rcv_core), route lookup (ip_route_input_noref, here a
 * longest-prefix match over the node's static table), then the TTL check
 * and decrement (ip_forward, ip_decrease_ttl), with an optional hook (a NAT)
 * before the route lookup. No ICMP errors are sent;
 * every drop is counted on the router under its reason. */
#include "ip/byteorder.h"
#include "ip/ipv4.h"
#include "sim/sim_impl.h"

/* Out of line: inlined into sim_node_input() it would make every
 * packet to a host save the registers this needs. */
__attribute__((noinline)) void sim_router_input(struct sim_node *node, struct sim_packet *p)
{
	struct ipv4_view ip;
	enum synq_drop_reason reason = ipv4_parse(p->data, p->len, &ip);
	/* ipv4_parse() refuses fragments because the stack does not
	 * reassemble; a router forwards them like any datagram. The check
	 * comes last in ipv4_parse(), so the header is valid otherwise. */
	if (reason == SYNQ_DROP_IP_FRAGMENT)
		reason = SYNQ_DROP_NONE;
	if (reason != SYNQ_DROP_NONE) {
		sim_node_drop(node, p, reason);
		return;
	}
	/* Link padding beyond the total length is not forwarded
	 * (ip_rcv_core's pskb_trim_rcsum). */
	uint16_t total_len = load_be16(p->data + 2);
	if (total_len < p->len)
		p->len = total_len;
	/* A NAT or filter sees the datagram before the routing decision
	 * (netfilter's PREROUTING): it may rewrite the destination. */
	if (node->forward)
		sim_packet_csum_ready(p);  /* a NAT patches it */
	if (node->forward && !node->forward(node->ctx, node, p->data, p->len, node->sim->now)) {
		sim_node_drop(node, p, SYNQ_DROP_NAT);
		return;
	}

	uint32_t dst = load_be32(p->data + 16);
	if (dst == node->addr) {
		if (node->receive) {
			sim_packet_csum_ready_for(node, p);
			node->rx_csum_ok = p->csum_ok;
			node->receive(node->ctx, node, p->data, p->len, node->sim->now);
			node->rx_csum_ok = false;
		}
		sim_packet_free(node->sim, p);
		return;
	}
	int iface = sim_node_route_lookup(node, dst);
	if (iface < 0) {
		sim_node_drop(node, p, SYNQ_DROP_IP_NO_ROUTE);
		return;
	}
	if (!ipv4_forward_ttl(p->data)) {
		sim_node_drop(node, p, SYNQ_DROP_IP_TTL_EXPIRED);
		return;
	}
	node->stats.forwarded_packets++;
	sim_node_output(node, (uint32_t)iface, p);
}

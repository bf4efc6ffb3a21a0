/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_NAT_NAT_H
#define SYNQ_NAT_NAT_H

/* A home router's NAT for TCP, on top of the connection-tracking table
 * (conntrack.h), as Linux's nf_nat with nftables does it:
 *
 *   masquerade  connections from the inside leave with the router's public
 *               address; the source port is kept when no other connection
 *               uses it, else another is found (nf_nat_l4proto_unique_tuple()).
 *   forwards    connections to the public address on a forwarded port go to
 *               an inside server (DNAT, port forwarding).
 *   closed      a connection to a port that is not forwarded: answered with
 *               a reset (closed) or dropped without a word (stealth).
 *   SYN limits  new connections through a forward at most `syn_rate` per
 *               second with a burst (nftables `limit rate`), and at most
 *               `meter_rate` per second from one source (`meter`).
 *
 * Addresses and ports are rewritten in place and both checksums patched
 * incrementally (RFC 1624). Only TCP over IPv4; anything else passes
 * untouched. Pure: no clock but the one passed in, no allocation after
 * nat_init(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat/conntrack.h"

#define NAT_FORWARDS_MAX 8
#define NAT_METER_SLOTS 1024    /* sources the per-source meter follows */
#define NAT_PORT_TRIES 128      /* ports tried before giving up a masquerade */

struct nat_forward {
	uint16_t public_port;
	uint32_t inside_addr;
	uint16_t inside_port;
};

enum nat_closed_policy {
	NAT_CLOSED_RESET,       /* answer RST, as a closed port */
	NAT_CLOSED_STEALTH,     /* drop silently */
};

struct nat_config {
	uint32_t public_addr;            /* the router's outside address */
	uint32_t inside_net, inside_mask;
	struct nat_forward forward[NAT_FORWARDS_MAX];
	unsigned n_forwards;
	int closed;                      /* enum nat_closed_policy */
	double syn_rate;                 /* new connections per second; 0: no limit */
	uint32_t syn_burst;
	double meter_rate;               /* per source; 0: no meter */
	uint32_t meter_burst;
};

struct nat_stats {
	uint64_t translated;             /* packets rewritten */
	uint64_t masqueraded, forwarded; /* new connections */
	uint64_t port_changed;           /* masquerades that could not keep the port */
	uint64_t no_port;                /* masquerades with no free port: dropped */
	uint64_t closed_resets, closed_drops;
	uint64_t syn_limited, meter_limited;
	uint64_t invalid;                /* conntrack marked it INVALID: dropped */
	uint64_t table_full;             /* conntrack had no room: dropped */
};

struct nat_bucket {                  /* a token bucket */
	double tokens;
	synq_time_t at;
	uint32_t key;                    /* meter: the source address */
	bool used;
};

struct nat {
	struct nat_config cfg;
	struct ct_table ct;
	struct nat_bucket syn_limit;
	struct nat_bucket meter[NAT_METER_SLOTS];
	struct nat_stats stats;
};

/* 0, or -errno from the table. */
int nat_init(struct nat *n, const struct nat_config *cfg, const struct ct_config *ct);
void nat_free(struct nat *n);

enum nat_verdict {
	NAT_PASS,        /* forward the (possibly rewritten) packet */
	NAT_DROP,
	NAT_RESET,       /* drop it and send the reset written to reply */
};

/* One IPv4 datagram crossing the router at now; rewritten in place.
 * reply (NAT_REPLY_MAX bytes) receives the reset for NAT_RESET. */
#define NAT_REPLY_MAX 40
enum nat_verdict nat_packet(struct nat *n, uint8_t *pkt, size_t len, synq_time_t now,
                            uint8_t *reply, size_t *reply_len);

#endif

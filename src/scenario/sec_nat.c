/* SPDX-License-Identifier: BSD-2-Clause */
/* [nat]: a home router with NAT in front of the server (seed 003). The
 * server sits inside (10.0.0.1); the router's public address is 10.0.0.254,
 * and every population connects to it: its forward sends the server's port
 * on to the server (DNAT), every other port is closed (a reset) or stealth
 * (no answer). Each connection holds a conntrack entry (src/nat) for its
 * state's timeout, and when the table is full new connections are dropped:
 * the home router that "stops working" under a busy site.
 *
 *   [nat]
 *   profile = whr-g54s          ; or linux (today's defaults)
 *   max = 1024                  ; nf_conntrack_max
 *   net.netfilter.nf_conntrack_tcp_timeout_time_wait = 120
 *   syn_rate = 50/s             ; nftables limit rate, for new connections
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat/nat.h"
#include "scenario/section.h"
#include "scenario/world.h"

#define NAT_SYSCTLS_MAX 16
#define SCN_NAT_LAN_DELAY SYNQ_USEC(100)
#define SCN_SILENT_ADDR 0x0a000002u   /* 10.0.0.2: drops everything */

struct scn_nat_sysctl {
	char name[80];
	char value[24];
};

struct scn_nat {
	int profile;              /* 0 linux, 1 whr-g54s */
	uint64_t max;             /* 0: the profile's */
	uint64_t forward_port;    /* 0: the server's port */
	uint64_t inside_port;     /* 0: the server's port */
	uint64_t silent_port;     /* 0: none */
	int closed;               /* enum nat_closed_policy */
	double syn_rate;
	uint64_t syn_burst;
	double meter_rate;
	uint64_t meter_burst;
	unsigned n_sysctls;
	struct scn_nat_sysctl sysctl[NAT_SYSCTLS_MAX];
};

static const char *const profiles[] = { "linux", "whr-g54s", NULL };
static const char *const closed_names[] = { "reset", "stealth", NULL };

#define NAT(f) offsetof(struct scn_nat, f)

static const struct scn_key nat_keys[] = {
	{ .name = "profile", .type = SCN_T_ENUM, .offset = NAT(profile), .def = "linux",
	  .choices = profiles,
	  .doc = "The table's size and timeouts: linux (Linux 6.18's defaults, 65536 entries) "
	         "or whr-g54s (the Buffalo router of seed 003: 2048 entries, an unanswered SYN "
	         "kept 60 s, TIME-WAIT 120 s)." },
	{ .name = "max", .type = SCN_T_COUNT, .offset = NAT(max), .def = "0", .max = 1u << 24,
	  .doc = "nf_conntrack_max: entries the table holds; 0: the profile's." },
	{ .name = "forward", .type = SCN_T_COUNT, .offset = NAT(forward_port), .def = "0",
	  .max = 65535,
	  .doc = "The public port forwarded to the server (DNAT); 0: the server's port." },
	{ .name = "inside_port", .type = SCN_T_COUNT, .offset = NAT(inside_port), .def = "0",
	  .max = 65535,
	  .doc = "The server's port the forward goes to; 0: the port it listens on (another "
	         "one is a closed port: the server answers with a reset)." },
	{ .name = "silent_port", .type = SCN_T_COUNT, .offset = NAT(silent_port), .def = "0",
	  .max = 65535,
	  .doc = "A second public port, forwarded to an inside host (10.0.0.2) that drops "
	         "every packet, as a stealth firewall does; 0: none." },
	{ .name = "closed", .type = SCN_T_ENUM, .offset = NAT(closed), .def = "reset",
	  .choices = closed_names,
	  .doc = "A connection to any other port: reset (answered with RST, as a closed port) "
	         "or stealth (dropped without an answer)." },
	{ .name = "syn_rate", .type = SCN_T_RATE, .offset = NAT(syn_rate), .def = "0/s",
	  .doc = "New connections through the forward per second, over all sources "
	         "(nftables limit rate); 0: no limit." },
	{ .name = "syn_burst", .type = SCN_T_COUNT, .offset = NAT(syn_burst), .def = "5",
	  .min = 1, .max = 1000000, .doc = "The limit's burst (nftables burst)." },
	{ .name = "meter_rate", .type = SCN_T_RATE, .offset = NAT(meter_rate), .def = "0/s",
	  .doc = "New connections per second from one source address (nftables meter); 0: "
	         "no meter." },
	{ .name = "meter_burst", .type = SCN_T_COUNT, .offset = NAT(meter_burst), .def = "5",
	  .min = 1, .max = 1000000, .doc = "The meter's burst." },
};

static void *nat_open(struct scenario *scn, const char *instance, struct scn_where where,
                      struct scn_errors *errs)
{
	(void)scn, (void)instance, (void)where, (void)errs;
	return calloc(1, sizeof(struct scn_nat));
}

/* Any conntrack sysctl by name, checked now against a scratch config. */
static const char *nat_set_other(struct scenario *scn, void *obj, const char *key,
                                 const char *value, struct scn_where where)
{
	(void)scn, (void)where;
	struct scn_nat *x = obj;
	struct ct_config scratch;
	ct_config_linux(&scratch, 1024);
	if (strncmp(key, "net.netfilter.nf_conntrack_", 27) != 0)
		return "unknown key (see docs/scenarios.md or synq sim --keys)";
	if (ct_config_set(&scratch, key, value) != 0)
		return "not a conntrack sysctl synq models, or a bad value (seconds or a count)";
	if (x->n_sysctls == NAT_SYSCTLS_MAX)
		return "too many sysctls";
	if (strlen(key) >= sizeof x->sysctl[0].name || strlen(value) >= sizeof x->sysctl[0].value)
		return "too long";
	struct scn_nat_sysctl *s = &x->sysctl[x->n_sysctls++];
	snprintf(s->name, sizeof s->name, "%s", key);
	snprintf(s->value, sizeof s->value, "%s", value);
	return NULL;
}

static bool nat_forward(void *ctx, struct sim_node *node, uint8_t *pkt, size_t len,
                        synq_time_t now)
{
	struct nat *n = ctx;
	uint8_t reply[NAT_REPLY_MAX];
	size_t reply_len;
	enum nat_verdict v = nat_packet(n, pkt, len, now, reply, &reply_len);
	if (v == NAT_RESET)
		sim_node_send(node, reply, reply_len);
	return v == NAT_PASS;
}

static int nat_build(struct scn_world *w, void *obj, char *why, size_t why_cap)
{
	const struct scn_nat *x = obj;
	if (w->router) {
		snprintf(why, why_cap, "[nat] and [server] link both put a router in front of "
		                       "the server: use one");
		return -EINVAL;
	}
	struct ct_config ct;
	if (x->profile == 1)
		ct_config_whr_g54s(&ct);
	else
		ct_config_linux(&ct, 65536);
	if (x->max)
		ct.max = (uint32_t)x->max;
	for (unsigned i = 0; i < x->n_sysctls; i++)
		if (ct_config_set(&ct, x->sysctl[i].name, x->sysctl[i].value)) {
			snprintf(why, why_cap, "nat.%s: bad value '%s'", x->sysctl[i].name,
			         x->sysctl[i].value);
			return -EINVAL;
		}
	uint16_t port = (uint16_t)w->scn->server.port;
	if (x->silent_port && x->silent_port == (x->forward_port ? x->forward_port : port)) {
		snprintf(why, why_cap, "nat.silent_port: port %u is already the server's forward",
		         (unsigned)x->silent_port);
		return -EINVAL;
	}
	struct nat_config nc = {
		.public_addr = SCN_ROUTER_ADDR, .inside_net = SCN_SERVER_ADDR & 0xffffff00u,
		.inside_mask = 0xffffff00u, .n_forwards = 1,
		.forward = { { .public_port = x->forward_port ? (uint16_t)x->forward_port : port,
		               .inside_addr = SCN_SERVER_ADDR,
		               .inside_port = x->inside_port ? (uint16_t)x->inside_port : port } },
		.closed = x->closed, .syn_rate = x->syn_rate, .syn_burst = (uint32_t)x->syn_burst,
		.meter_rate = x->meter_rate, .meter_burst = (uint32_t)x->meter_burst,
	};
	if (x->silent_port)
		nc.forward[nc.n_forwards++] = (struct nat_forward){
			.public_port = (uint16_t)x->silent_port, .inside_addr = SCN_SILENT_ADDR,
			.inside_port = (uint16_t)x->silent_port };
	struct nat *n = calloc(1, sizeof *n);
	if (n == NULL)
		return -ENOMEM;
	int err = nat_init(n, &nc, &ct);
	if (err) {
		free(n);
		return err;
	}
	w->nat = n;
	struct sim_node_config rc = { .name = "nat", .addr = SCN_ROUTER_ADDR,
		                      .kind = SIM_NODE_ROUTER, .forward = nat_forward, .ctx = n };
	if ((err = sim_node_add(w->sim, &rc, &w->router)))
		return err;
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SCN_NAT_LAN_DELAY;
	if ((err = sim_link_add(w->sim, &lc, w->router, sim_host_node(w->server), &w->server_link)) ||
	    (err = sim_node_route_add(w->router, SCN_SERVER_ADDR, 32, w->server_link)))
		return err;
	if (x->silent_port) {
		/* The stealth host: a node that takes every packet and answers none. */
		struct sim_node_config sc = { .name = "silent", .addr = SCN_SILENT_ADDR,
			                      .kind = SIM_NODE_HOST };
		struct sim_node *silent;
		struct sim_link *l;
		if ((err = sim_node_add(w->sim, &sc, &silent)) ||
		    (err = sim_link_add(w->sim, &lc, w->router, silent, &l)) ||
		    (err = sim_node_route_add(w->router, SCN_SILENT_ADDR, 32, l)))
			return err;
	}
	w->hub = w->router;
	w->target_addr = SCN_ROUTER_ADDR;
	return 0;
}

const struct scn_section_kind scn_section_nat = {
	.name = "nat",
	.doc = "A home router with NAT in front of the server (seed 003): the server's port is "
	       "forwarded from the router's public address 10.0.0.254, which every population "
	       "connects to; a bounded conntrack table with Linux's or the WHR-G54S's timeouts, "
	       "any net.netfilter.nf_conntrack_* sysctl by name.",
	.keys = nat_keys,
	.n_keys = sizeof nat_keys / sizeof nat_keys[0],
	.open = nat_open,
	.set_other = nat_set_other,
	.free = free,
	.build = nat_build,
};

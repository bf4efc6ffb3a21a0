/* SPDX-License-Identifier: BSD-2-Clause */
/* Routers: longest-prefix forwarding, TTL decrement with a valid checksum,
 * TTL expiry, no route, malformed headers, local delivery; host routing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "synq/sim.h"

#define H1 0x0a000001u  /* 10.0.0.1 */
#define RT 0x0a0000feu  /* 10.0.0.254 */
#define H2 0x0a000101u  /* 10.0.1.1 */
#define H3 0x0a000182u  /* 10.0.1.130 */
#define PROTO_EXPERIMENT 253
#define SEEN_MAX 16

struct seen {
	int n;
	synq_time_t time[SEEN_MAX];
	uint8_t pkt[SEEN_MAX][128];
	size_t len[SEEN_MAX];
};

static void remember(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                     synq_time_t now)
{
	(void)node;
	struct seen *s = ctx;
	assert_true(s->n < SEEN_MAX);
	assert_true(len <= sizeof s->pkt[0]);
	memcpy(s->pkt[s->n], pkt, len);
	s->len[s->n] = len;
	s->time[s->n++] = now;
}

/* h1 -- rt -- h2, and rt -- h3; 10.0.1.0/24 goes to h2 except the more
 * specific 10.0.1.128/25, which goes to h3. */
struct net {
	struct sim *sim;
	struct sim_node *h1, *rt, *h2, *h3;
	struct sim_link *l1, *l2, *l3;
	struct seen s1, srt, s2, s3;
};

static int net_setup(void **state)
{
	struct net *n = calloc(1, sizeof *n);
	assert_non_null(n);
	assert_int_equal(sim_create(NULL, &n->sim), 0);
	struct sim_node_config c1 = { .name = "h1", .addr = H1, .receive = remember, .ctx = &n->s1 };
	struct sim_node_config cr = { .name = "rt", .addr = RT, .kind = SIM_NODE_ROUTER,
	                              .receive = remember, .ctx = &n->srt };
	struct sim_node_config c2 = { .name = "h2", .addr = H2, .receive = remember, .ctx = &n->s2 };
	struct sim_node_config c3 = { .name = "h3", .addr = H3, .receive = remember, .ctx = &n->s3 };
	assert_int_equal(sim_node_add(n->sim, &c1, &n->h1), 0);
	assert_int_equal(sim_node_add(n->sim, &cr, &n->rt), 0);
	assert_int_equal(sim_node_add(n->sim, &c2, &n->h2), 0);
	assert_int_equal(sim_node_add(n->sim, &c3, &n->h3), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	assert_int_equal(sim_link_add(n->sim, &lc, n->h1, n->rt, &n->l1), 0);
	assert_int_equal(sim_link_add(n->sim, &lc, n->rt, n->h2, &n->l2), 0);
	assert_int_equal(sim_link_add(n->sim, &lc, n->rt, n->h3, &n->l3), 0);
	assert_int_equal(sim_node_route_add(n->rt, 0x0a000000u, 24, n->l1), 0);
	assert_int_equal(sim_node_route_add(n->rt, 0x0a000100u, 24, n->l2), 0);
	assert_int_equal(sim_node_route_add(n->rt, 0x0a000180u, 25, n->l3), 0);
	*state = n;
	return 0;
}

static int net_teardown(void **state)
{
	struct net *n = *state;
	struct sim_stats st;
	sim_stats_get(n->sim, &st);
	sim_destroy(n->sim);
	free(n);
	assert_int_equal(st.packets_in_use, 0);
	return 0;
}

static size_t build(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint8_t ttl)
{
	struct ipv4_fields f = { .src_addr = src, .dst_addr = dst, .id = 77, .ttl = ttl,
	                         .protocol = PROTO_EXPERIMENT };
	memset(buf, 0x5a, len);
	ipv4_emit(buf, &f, (uint16_t)(len - IPV4_HEADER_MIN));
	return len;
}

static void send_from(struct sim_node *node, uint32_t src, uint32_t dst, uint8_t ttl)
{
	uint8_t buf[64];
	build(buf, sizeof buf, src, dst, ttl);
	assert_int_equal(sim_node_send(node, buf, sizeof buf), 0);
}

static uint64_t drops(const struct sim_node *node, enum synq_drop_reason r)
{
	struct sim_node_stats st;
	sim_node_stats_get(node, &st);
	return st.drops.by_reason[r];
}

static void router_forwards_by_longest_prefix(void **state)
{
	struct net *n = *state;
	send_from(n->h1, H1, H2, 64);
	send_from(n->h1, H1, H3, 64);
	send_from(n->h1, H1, 0x0a0001ffu, 64); /* in the /25 too */
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(n->s2.n, 1);
	assert_int_equal(n->s3.n, 2);
	assert_int_equal(n->srt.n, 0);
	assert_int_equal(n->s2.time[0], SYNQ_MSEC(2));
	assert_int_equal(load_be32(n->s2.pkt[0] + 16), H2);
	assert_int_equal(load_be32(n->s3.pkt[1] + 16), 0x0a0001ffu);
	struct sim_node_stats st;
	sim_node_stats_get(n->rt, &st);
	assert_int_equal(st.rx_packets, 3);
	assert_int_equal(st.forwarded_packets, 3);
	assert_int_equal(st.tx_packets, 3);
	/* Back the other way. */
	send_from(n->h3, H3, H1, 64);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(20)), 0);
	assert_int_equal(n->s1.n, 1);
}

static void router_decrements_ttl_and_keeps_checksum_valid(void **state)
{
	struct net *n = *state;
	send_from(n->h1, H1, H2, 2);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(n->s2.n, 1);
	struct ipv4_view ip;
	assert_int_equal(ipv4_parse(n->s2.pkt[0], n->s2.len[0], &ip), SYNQ_DROP_NONE);
	assert_int_equal(ip.ttl, 1);
	/* Only TTL and checksum changed. */
	uint8_t orig[64];
	build(orig, sizeof orig, H1, H2, 2);
	assert_memory_equal(orig, n->s2.pkt[0], 8);
	assert_memory_equal(orig + 12, n->s2.pkt[0] + 12, sizeof orig - 12);
}

static void router_drops_expired_ttl(void **state)
{
	struct net *n = *state;
	send_from(n->h1, H1, H2, 1);
	send_from(n->h1, H1, H2, 0);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(n->s2.n, 0);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_TTL_EXPIRED), 2);
	struct sim_node_stats st;
	sim_node_stats_get(n->rt, &st);
	assert_int_equal(st.forwarded_packets, 0);
	assert_int_equal(st.tx_packets, 0);
}

static void router_drops_without_route(void **state)
{
	struct net *n = *state;
	send_from(n->h1, H1, 0xc0a80101u, 64); /* 192.168.1.1 */
	/* Route is checked before TTL, as in Linux (ip_route_input, then
	 * ip_forward): no route wins over an expired TTL. */
	send_from(n->h1, H1, 0xc0a80101u, 1);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_NO_ROUTE), 2);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_TTL_EXPIRED), 0);
	assert_int_equal(n->s1.n + n->s2.n + n->s3.n, 0);
}

static void router_drops_malformed_headers(void **state)
{
	struct net *n = *state;
	uint8_t buf[64];
	build(buf, sizeof buf, H1, H2, 64);
	buf[11] ^= 0x01; /* checksum */
	assert_int_equal(sim_node_send(n->h1, buf, sizeof buf), 0);
	build(buf, sizeof buf, H1, H2, 64);
	assert_int_equal(sim_node_send(n->h1, buf, 12), 0); /* short */
	build(buf, sizeof buf, H1, H2, 64);
	buf[0] = 0x65; /* version 6 */
	assert_int_equal(sim_node_send(n->h1, buf, sizeof buf), 0);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(n->s2.n, 0);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_CHECKSUM), 1);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_SHORT), 1);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_VERSION), 1);
}

static void router_trims_padding_and_forwards_fragments(void **state)
{
	struct net *n = *state;
	uint8_t buf[64];
	build(buf, 40, H1, H2, 64);
	memset(buf + 40, 0xee, 24); /* link padding after the datagram */
	assert_int_equal(sim_node_send(n->h1, buf, 64), 0);
	build(buf, 64, H1, H2, 64);
	store_be16(buf + 6, IPV4_FLAG_MF); /* first fragment */
	store_be16(buf + 10, 0);
	store_be16(buf + 10, inet_checksum(buf, IPV4_HEADER_MIN));
	assert_int_equal(sim_node_send(n->h1, buf, 64), 0);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(n->s2.n, 2);
	assert_int_equal(n->s2.len[0], 40);
	assert_int_equal(n->s2.len[1], 64);
	assert_int_equal(n->s2.pkt[1][8], 63);
}

static void router_delivers_its_own_address(void **state)
{
	struct net *n = *state;
	send_from(n->h1, H1, RT, 64);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(10)), 0);
	assert_int_equal(n->srt.n, 1);
	assert_int_equal(n->srt.pkt[0][8], 64); /* not forwarded: TTL intact */
	assert_int_equal(n->s1.n + n->s2.n + n->s3.n, 0);
	/* The router's own sends go through its table. */
	uint8_t buf[64];
	build(buf, sizeof buf, RT, H3, 64);
	assert_int_equal(sim_node_send(n->rt, buf, sizeof buf), 0);
	build(buf, sizeof buf, RT, 0x08080808u, 64);
	assert_int_equal(sim_node_send(n->rt, buf, sizeof buf), 0);
	assert_int_equal(sim_run_until(n->sim, SYNQ_MSEC(20)), 0);
	assert_int_equal(n->s3.n, 1);
	assert_int_equal(drops(n->rt, SYNQ_DROP_IP_NO_ROUTE), 1);
}

static void route_table_is_validated_and_bounded(void **state)
{
	struct net *n = *state;
	assert_int_equal(sim_node_route_add(n->rt, 0x0a000001u, 24, n->l1), -EINVAL);
	assert_int_equal(sim_node_route_add(n->rt, 0x0a000000u, 33, n->l1), -EINVAL);
	assert_int_equal(sim_node_route_add(n->rt, 0x0a000000u, 24, n->l1), -EEXIST);
	assert_int_equal(sim_node_route_add(n->h2, 0, 0, n->l1), -EINVAL); /* not h2's */
	assert_int_equal(sim_node_route_add(n->rt, 0, 0, NULL), -EINVAL);
	int added = 0;
	for (uint32_t i = 0; i < SIM_NODE_ROUTES_MAX; i++)
		if (sim_node_route_add(n->rt, 0xc0000000u | i << 8, 24, n->l2) == 0)
			added++;
	assert_int_equal(added, SIM_NODE_ROUTES_MAX - 3);
	assert_int_equal(sim_node_route_add(n->rt, 0xd0000000u, 24, n->l2), -ENOSPC);
}

static void router_default_route_and_hop_chain(void **state)
{
	(void)state;
	/* h -- r1 -- r2 -- r3 -- g: every router has only a default route
	 * towards g and a /32 back to h. TTL drops by one per router. */
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct seen sh = { .n = 0 }, sg = { .n = 0 };
	struct sim_node *nodes[5];
	struct sim_link *links[4];
	for (int i = 0; i < 5; i++) {
		struct sim_node_config c = { .name = "n", .addr = 0x0a000000u + (uint32_t)i,
		                             .kind = (i == 0 || i == 4) ? SIM_NODE_HOST : SIM_NODE_ROUTER,
		                             .receive = remember,
		                             .ctx = i == 0 ? &sh : i == 4 ? &sg : NULL };
		assert_int_equal(sim_node_add(sim, &c, &nodes[i]), 0);
	}
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_USEC(10);
	for (int i = 0; i < 4; i++)
		assert_int_equal(sim_link_add(sim, &lc, nodes[i], nodes[i + 1], &links[i]), 0);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(sim_node_route_add(nodes[i], 0, 0, links[i]), 0);
		assert_int_equal(sim_node_route_add(nodes[i], 0x0a000000u, 32, links[i - 1]), 0);
	}
	send_from(nodes[0], 0x0a000000u, 0x01020304u, 64);
	send_from(nodes[0], 0x0a000000u, 0x01020304u, 3); /* dies at r3 */
	assert_int_equal(sim_run_until(sim, SYNQ_MSEC(1)), 0);
	assert_int_equal(sg.n, 1);
	assert_int_equal(sg.pkt[0][8], 61);
	assert_int_equal(sg.time[0], SYNQ_USEC(40));
	assert_int_equal(drops(nodes[3], SYNQ_DROP_IP_TTL_EXPIRED), 1);
	send_from(nodes[4], 0x01020304u, 0x0a000000u, 64);
	assert_int_equal(sim_run_until(sim, SYNQ_MSEC(2)), 0);
	assert_int_equal(sh.n, 1);
	sim_destroy(sim);
}

static void host_routing(void **state)
{
	(void)state;
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct seen sa = { .n = 0 }, sb = { .n = 0 };
	struct sim_node *h, *a, *b, *lonely;
	struct sim_node_config ch = { .name = "h" }, cl = { .name = "lonely" };
	struct sim_node_config ca = { .name = "a", .receive = remember, .ctx = &sa };
	struct sim_node_config cb = { .name = "b", .receive = remember, .ctx = &sb };
	assert_int_equal(sim_node_add(sim, &ch, &h), 0);
	assert_int_equal(sim_node_add(sim, &ca, &a), 0);
	assert_int_equal(sim_node_add(sim, &cb, &b), 0);
	assert_int_equal(sim_node_add(sim, &cl, &lonely), 0);
	struct sim_node_config bad = { .name = "bad", .kind = (enum sim_node_kind)7 };
	struct sim_node *dummy;
	assert_int_equal(sim_node_add(sim, &bad, &dummy), -EINVAL);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	struct sim_link *la, *lb;
	assert_int_equal(sim_link_add(sim, &lc, h, a, &la), 0);
	assert_int_equal(sim_link_add(sim, &lc, h, b, &lb), 0);
	/* No routes: everything leaves by the first interface. */
	send_from(h, 1, 0x0b000001u, 64);
	assert_int_equal(sim_run_until(sim, 10), 0);
	assert_int_equal(sa.n, 1);
	/* With routes: the table decides, a miss is dropped. */
	assert_int_equal(sim_node_route_add(h, 0x0b000000u, 8, lb), 0);
	send_from(h, 1, 0x0b000001u, 64);
	send_from(h, 1, 0x0c000001u, 64);
	uint8_t tiny[8] = { 0x45 };
	assert_int_equal(sim_node_send(h, tiny, sizeof tiny), -EINVAL);
	assert_int_equal(sim_run_until(sim, 20), 0);
	assert_int_equal(sb.n, 1);
	assert_int_equal(sa.n, 1);
	assert_int_equal(drops(h, SYNQ_DROP_IP_NO_ROUTE), 1);
	/* A node with no interface at all. */
	send_from(lonely, 1, 2, 64);
	assert_int_equal(drops(lonely, SYNQ_DROP_IP_NO_ROUTE), 1);
	sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(router_forwards_by_longest_prefix, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(router_decrements_ttl_and_keeps_checksum_valid, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(router_drops_expired_ttl, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(router_drops_without_route, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(router_drops_malformed_headers, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(router_trims_padding_and_forwards_fragments, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(router_delivers_its_own_address, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(route_table_is_validated_and_bounded, net_setup, net_teardown),
		cmocka_unit_test(router_default_route_and_hop_chain),
		cmocka_unit_test(host_routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

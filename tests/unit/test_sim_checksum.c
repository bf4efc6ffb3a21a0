/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulator tells a receiving stack which datagrams a synq stack built
 * (their TCP checksum is right, so it is not summed again, as Linux trusts
 * CHECKSUM_UNNECESSARY); every other datagram is checked as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "sim/sim_impl.h"
#include "synq/host.h"
#include "synq/mib.h"
#include "synq/socket.h"

#define HOST_ADDR 0x0a000001u  /* 10.0.0.1: a synq host */
#define PEER_ADDR 0x0a000002u  /* 10.0.0.2: a plain node */

struct seen {
	int packets;
	int built;       /* of them, marked as built by a stack */
};

static void note_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                         synq_time_t now)
{
	(void)pkt;
	(void)len;
	(void)now;
	struct seen *s = ctx;
	s->packets++;
	s->built += sim_node_rx_built(node);
}

struct world {
	struct sim *sim;
	struct sim_host *host;
	struct sim_node *peer;
	struct seen seen;
};

static void world_setup(struct world *w)
{
	memset(w, 0, sizeof *w);
	assert_int_equal(sim_create(NULL, &w->sim), 0);
	struct sim_host_config hc = { .name = "host", .addr = HOST_ADDR, .seed = 1 };
	assert_int_equal(sim_host_add(w->sim, &hc, &w->host), 0);
	struct sim_node_config pc = { .name = "peer", .addr = PEER_ADDR,
	                              .receive = note_receive, .ctx = &w->seen };
	assert_int_equal(sim_node_add(w->sim, &pc, &w->peer), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	struct sim_link *link;
	assert_int_equal(sim_link_add(w->sim, &lc, sim_host_node(w->host), w->peer, &link), 0);
}

static void world_teardown(struct world *w)
{
	sim_destroy(w->sim);
	sim_host_free(w->host);
}

/* A SYN from the peer to port 80 of the host (closed: the stack answers
 * with a reset), with its checksums, or with the TCP one off by one. */
static size_t peer_syn(uint8_t *buf, size_t cap, bool bad_checksum)
{
	struct ipv4_fields ipf = { .src_addr = PEER_ADDR, .dst_addr = HOST_ADDR, .id = 1,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP };
	struct tcp_segment seg = { .src_port = 40000, .dst_port = 80, .seq = 1000,
	                           .flags = TCP_SYN, .window = 65535 };
	size_t n = tcp_segment_emit(buf, cap, &ipf, &seg);
	assert_true(n > 0);
	if (bad_checksum)
		buf[IPV4_HEADER_MIN + 17] ^= 1;
	return n;
}

static uint64_t csum_errors(struct world *w)
{
	return synq_stack_mib(sim_host_stack(w->host))->value[SYNQ_MIB_TcpInCsumErrors];
}

/* Send a datagram from node and run the simulation to until. */
static void send_and_run(struct sim *sim, struct sim_node *node, const uint8_t *buf, size_t n,
                         synq_time_t until)
{
	assert_int_equal(sim_node_send(node, buf, n), 0);
	assert_int_equal(sim_run_until(sim, until), 0);
}

static void stack_datagrams_are_marked_others_not(void **state)
{
	(void)state;
	struct world w;
	world_setup(&w);
	/* The host's stack answers a SYN to a closed port with a reset: a
	 * datagram it built, which arrives marked. */
	uint8_t buf[128];
	size_t n = peer_syn(buf, sizeof buf, false);
	send_and_run(w.sim, w.peer, buf, n, SYNQ_MSEC(10));
	assert_int_equal(w.seen.packets, 1);
	assert_int_equal(w.seen.built, 1);
	/* A datagram handed to sim_node_send() is not marked, even one that
	 * came from a stack before (here the reset, sent back unchanged). */
	struct world w2;
	world_setup(&w2);
	send_and_run(w2.sim, sim_host_node(w2.host), buf, n, SYNQ_MSEC(10));
	assert_int_equal(w2.seen.packets, 1);
	assert_int_equal(w2.seen.built, 0);
	world_teardown(&w2);
	world_teardown(&w);
}

static void foreign_datagrams_are_still_checked(void **state)
{
	(void)state;
	struct world w;
	world_setup(&w);
	uint8_t buf[128];
	size_t n = peer_syn(buf, sizeof buf, true);
	send_and_run(w.sim, w.peer, buf, n, SYNQ_MSEC(10));
	assert_int_equal(csum_errors(&w), 1);
	assert_int_equal(w.seen.packets, 0); /* dropped: no reset */
	n = peer_syn(buf, sizeof buf, false);
	send_and_run(w.sim, w.peer, buf, n, SYNQ_MSEC(20));
	assert_int_equal(csum_errors(&w), 1);
	assert_int_equal(w.seen.packets, 1);  /* the reset */
	world_teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stack_datagrams_are_marked_others_not),
		cmocka_unit_test(foreign_datagrams_are_still_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

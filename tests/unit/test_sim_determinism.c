/* SPDX-License-Identifier: BSD-2-Clause */
/* Same seed, same bytes: a lossy, jittery client-router-server run is
 * captured at a link end and at the router; repeating it with the same
 * seed gives byte-identical pcap files, another seed gives other files,
 * and without faults the seed does not matter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/pcap.h"
#include "synq/sim.h"

#define CLIENT 0x0a000001u
#define ROUTER 0x0a0000feu
#define SERVER 0x0a000101u
#define SEGMENTS 300

struct endpoint {
	struct sim_node *node;
	uint32_t peer;
	uint32_t seq;
	uint16_t ip_id;
	int to_send;       /* client: segments left */
	uint64_t received;
};

static void emit(struct endpoint *e, uint8_t flags, uint32_t ack, uint16_t payload_len,
                 synq_time_t now)
{
	uint8_t buf[600];
	struct ipv4_fields ipf = { .src_addr = sim_node_addr(e->node), .dst_addr = e->peer,
	                           .id = e->ip_id++, .ttl = 64, .protocol = IPV4_PROTO_TCP };
	struct tcp_segment seg = {
		.src_port = e->peer == SERVER ? 40000 : 80,
		.dst_port = e->peer == SERVER ? 80 : 40000,
		.seq = e->seq, .ack = ack, .flags = flags, .window = 1000,
		.payload_len = payload_len,
		.opt = { .has_timestamp = true, .tsval = (uint32_t)(now / 1000) },
	};
	memset(buf + tcp_payload_offset(&seg.opt), 'x', payload_len);
	size_t len = tcp_segment_emit(buf, sizeof buf, &ipf, &seg);
	assert_true(len > 0);
	assert_int_equal(sim_node_send(e->node, buf, len), 0);
	e->seq += payload_len;
}

static void client_tick(void *ctx, struct sim_node *node, synq_time_t now)
{
	struct endpoint *e = ctx;
	emit(e, TCP_ACK | TCP_PSH, 1, 500, now);
	if (--e->to_send > 0)
		assert_int_equal(sim_node_timer_set(node, now + SYNQ_USEC(700)), 0);
}

static void count_receive(void *ctx, struct sim_node *node, const uint8_t *pkt,
                          size_t len, synq_time_t now)
{
	(void)node;
	(void)now;
	struct endpoint *e = ctx;
	struct ipv4_view ip;
	struct tcp_segment seg;
	assert_int_equal(ipv4_parse(pkt, len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &seg, true), SYNQ_DROP_NONE);
	e->received++;
}

static void server_receive(void *ctx, struct sim_node *node, const uint8_t *pkt,
                           size_t len, synq_time_t now)
{
	struct endpoint *e = ctx;
	count_receive(ctx, node, pkt, len, now);
	struct ipv4_view ip;
	struct tcp_segment seg;
	ipv4_parse(pkt, len, &ip);
	tcp_parse(&ip, &seg, true);
	emit(e, TCP_ACK, seg.seq + seg.payload_len, 0, now);
}

struct outcome {
	uint64_t client_received;
	uint64_t server_received;
	uint64_t records_link;
	uint64_t records_router;
	struct sim_link_stats to_server, from_server;
};

static void run(uint64_t seed, double loss, synq_time_t jitter_ns, const char *link_pcap,
                const char *router_pcap, struct outcome *out)
{
	struct sim_config cfg = { .seed = seed, .steps_max = 1000000 };
	struct sim *sim;
	assert_int_equal(sim_create(&cfg, &sim), 0);
	struct endpoint client = { .peer = SERVER, .seq = 1, .to_send = SEGMENTS };
	struct endpoint server = { .peer = CLIENT, .seq = 1 };
	struct sim_node *router;
	struct sim_node_config cc = { .name = "client", .addr = CLIENT, .receive = count_receive,
	                              .timer = client_tick, .ctx = &client };
	struct sim_node_config cr = { .name = "router", .addr = ROUTER, .kind = SIM_NODE_ROUTER };
	struct sim_node_config cs = { .name = "server", .addr = SERVER,
	                              .receive = server_receive, .ctx = &server };
	assert_int_equal(sim_node_add(sim, &cc, &client.node), 0);
	assert_int_equal(sim_node_add(sim, &cr, &router), 0);
	assert_int_equal(sim_node_add(sim, &cs, &server.node), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	lc.rate_bps = 10000000;
	lc.queue_max_pkts = 8;
	lc.loss = loss;
	struct sim_link *l1, *l2;
	assert_int_equal(sim_link_add(sim, &lc, client.node, router, &l1), 0);
	lc.jitter_ns = jitter_ns;
	assert_int_equal(sim_link_add(sim, &lc, router, server.node, &l2), 0);
	assert_int_equal(sim_node_route_add(router, 0x0a000000u, 24, l1), 0);
	assert_int_equal(sim_node_route_add(router, 0x0a000100u, 24, l2), 0);

	struct synq_pcap *pl, *pr;
	assert_int_equal(synq_pcap_open(link_pcap, &pl), 0);
	assert_int_equal(synq_pcap_open(router_pcap, &pr), 0);
	sim_link_capture(l2, SIM_LINK_B, pl);
	sim_node_capture(router, pr);
	assert_int_equal(sim_node_timer_set(client.node, 0), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);

	out->client_received = client.received;
	out->server_received = server.received;
	out->records_link = synq_pcap_records(pl);
	out->records_router = synq_pcap_records(pr);
	sim_link_stats_get(l2, SIM_LINK_A, &out->to_server);
	sim_link_stats_get(l2, SIM_LINK_B, &out->from_server);
	sim_destroy(sim);
	assert_int_equal(synq_pcap_close(pl), 0);
	assert_int_equal(synq_pcap_close(pr), 0);
}

static bool files_equal(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	bool same = true;
	for (;;) {
		int ca = fgetc(fa), cb = fgetc(fb);
		if (ca != cb) {
			same = false;
			break;
		}
		if (ca == EOF)
			break;
	}
	fclose(fa);
	fclose(fb);
	return same;
}

struct files {
	char dir[64];
	char path[6][128];
};

static int files_setup(void **state)
{
	struct files *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/synq-test-det-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	char dir[sizeof f->dir];
	memcpy(dir, f->dir, sizeof dir);
	for (int i = 0; i < 6; i++)
		snprintf(f->path[i], sizeof f->path[i], "%s/%d.pcap", dir, i);
	*state = f;
	return 0;
}

static int files_teardown(void **state)
{
	struct files *f = *state;
	for (int i = 0; i < 6; i++)
		unlink(f->path[i]);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void same_seed_same_bytes_other_seed_other_bytes(void **state)
{
	struct files *f = *state;
	struct outcome a, b, c;
	run(7, 0.1, SYNQ_USEC(300), f->path[0], f->path[1], &a);
	run(7, 0.1, SYNQ_USEC(300), f->path[2], f->path[3], &b);
	run(8, 0.1, SYNQ_USEC(300), f->path[4], f->path[5], &c);

	/* The run did something, and lost some of it. */
	assert_true(a.server_received > SEGMENTS / 2 && a.server_received < SEGMENTS);
	assert_true(a.to_server.drops.by_reason[SYNQ_DROP_LINK_LOSS] > 0);
	/* A link-end capture holds what left that end plus what arrived. */
	assert_int_equal(a.records_link, a.to_server.rx_packets + a.from_server.tx_packets);

	assert_true(files_equal(f->path[0], f->path[2]));
	assert_true(files_equal(f->path[1], f->path[3]));
	assert_int_equal(a.client_received, b.client_received);
	assert_int_equal(a.server_received, b.server_received);
	assert_memory_equal(&a.to_server, &b.to_server, sizeof a.to_server);

	assert_false(files_equal(f->path[0], f->path[4]));
	assert_false(files_equal(f->path[1], f->path[5]));
}

static void without_faults_the_seed_does_not_matter(void **state)
{
	struct files *f = *state;
	struct outcome a, b;
	run(1, 0.0, 0, f->path[0], f->path[1], &a);
	run(2, 0.0, 0, f->path[2], f->path[3], &b);
	assert_int_equal(a.server_received, SEGMENTS);
	assert_int_equal(a.client_received, SEGMENTS);
	assert_true(files_equal(f->path[0], f->path[2]));
	assert_true(files_equal(f->path[1], f->path[3]));
	/* The router sees every packet twice: in, and out again. */
	assert_int_equal(a.records_router, 4 * SEGMENTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(same_seed_same_bytes_other_seed_other_bytes,
		                                files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(without_faults_the_seed_does_not_matter,
		                                files_setup, files_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP checksum offload: a stack whose device fills in the TCP checksum
 * (io.tcp_csum_offload, as a NIC with NETIF_F_HW_CSUM) leaves it 0; the
 * simulator, which declares it for its hosts, fills it in before anything
 * but a synq stack reads the datagram: a capture, a router's forward hook
 * (a NAT patches the sum), a plain node. Filled in, the bytes are those of
 * a stack that summed them itself. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ip/byteorder.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/host.h"
#include "synq/pcap.h"
#include "synq/sim.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define HOST_ADDR 0x0a000001u    /* 10.0.0.1: a synq host */
#define PEER_ADDR 0x0a000002u    /* 10.0.0.2: a plain node */
#define ROUTER_ADDR 0x0a0000feu
#define TCP_CSUM_AT (IPV4_HEADER_MIN + 16)

/* Whether a datagram's IP and TCP checksums are right. */
static bool sums_right(const uint8_t *pkt, size_t len)
{
	struct ipv4_view ip;
	struct tcp_segment seg;
	return ipv4_parse(pkt, len, &ip) == SYNQ_DROP_NONE &&
	       tcp_parse(&ip, &seg, true) == SYNQ_DROP_NONE;
}

/* ------------------------------------------------ the wire functions */

static void check_fill(const struct tcp_segment *seg)
{
	struct ipv4_fields ipf = { .src_addr = HOST_ADDR, .dst_addr = PEER_ADDR, .id = 9,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP };
	uint8_t summed[256], unsummed[256];
	memset(unsummed, 0xa5, sizeof unsummed);
	size_t n = tcp_segment_emit(summed, sizeof summed, &ipf, seg);
	assert_true(n > 0);
	assert_int_equal(tcp_segment_emit_unsummed(unsummed, sizeof unsummed, &ipf, seg), n);
	assert_int_equal(load_be16(unsummed + TCP_CSUM_AT), 0);
	assert_true(sums_right(summed, n));
	tcp_checksum_fill(unsummed, n);
	assert_memory_equal(summed, unsummed, n);
	/* Filling a filled one changes nothing. */
	tcp_checksum_fill(unsummed, n);
	assert_memory_equal(summed, unsummed, n);
}

static void unsummed_then_filled_is_emitted(void **state)
{
	(void)state;
	static const uint8_t payload[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\nodd";
	struct tcp_segment seg = { .src_port = 80, .dst_port = 40000, .seq = 0xfffffff0u,
	                           .ack = 77, .flags = TCP_ACK | TCP_PSH, .window = 502 };
	seg.opt.has_timestamp = true;
	seg.opt.tsval = 0x01020304u;
	seg.opt.tsecr = 0xa0b0c0d0u;
	check_fill(&seg);
	seg.payload = payload;
	seg.payload_len = sizeof payload - 1; /* odd */
	check_fill(&seg);
	seg.opt.sack_count = 2;
	seg.opt.sack[0] = (struct tcp_sack_block){ 100, 200 };
	seg.opt.sack[1] = (struct tcp_sack_block){ 300, 400 };
	check_fill(&seg);
	struct tcp_segment syn = { .src_port = 1, .dst_port = 2, .seq = 5, .flags = TCP_SYN,
	                           .window = 65535 };
	syn.opt.has_mss = syn.opt.has_wscale = syn.opt.sack_permitted = true;
	syn.opt.mss = 1460;
	syn.opt.wscale = 7;
	check_fill(&syn);
}

static void fill_leaves_other_datagrams_alone(void **state)
{
	(void)state;
	uint8_t pkt[40] = { 0x45 };
	pkt[3] = 40;
	pkt[9] = IPV4_PROTO_UDP;
	uint8_t copy[40];
	memcpy(copy, pkt, sizeof pkt);
	tcp_checksum_fill(pkt, sizeof pkt);
	assert_memory_equal(pkt, copy, sizeof pkt);
	pkt[9] = IPV4_PROTO_TCP;
	pkt[3] = 30; /* too short for a TCP header */
	memcpy(copy, pkt, sizeof pkt);
	tcp_checksum_fill(pkt, sizeof pkt);
	assert_memory_equal(pkt, copy, sizeof pkt);
	tcp_checksum_fill(pkt, 10);
	assert_memory_equal(pkt, copy, sizeof pkt);
}

/* ------------------------------------------------------- the stack */

struct first_datagram {
	uint8_t data[256];
	size_t len;
};

static void keep_first(void *ctx, const uint8_t *d, size_t len)
{
	struct first_datagram *f = ctx;
	if (f->len == 0 && len <= sizeof f->data) {
		memcpy(f->data, d, len);
		f->len = len;
	}
}

/* The SYN a stack with seed 3 sends to PEER_ADDR:80. */
static struct first_datagram first_syn(bool offload)
{
	struct first_datagram f = { .len = 0 };
	struct synq_config cfg;
	synq_config_default(&cfg);
	struct synq_stack_io io = { .output = keep_first, .ctx = &f, .tcp_csum_offload = offload };
	struct synq_stack *s;
	assert_int_equal(synq_stack_new(&s, &cfg, HOST_ADDR, 3, &io), 0);
	int fd = synq_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(80),
	                          .sin_addr.s_addr = htonl(PEER_ADDR) };
	synq_connect(s, fd, (struct sockaddr *)&to, sizeof to);
	synq_stack_free(s);
	assert_true(f.len > IPV4_HEADER_MIN + TCP_HEADER_MIN);
	return f;
}

static void stack_leaves_the_sum_to_an_offloading_device(void **state)
{
	(void)state;
	struct first_datagram summed = first_syn(false);
	struct first_datagram unsummed = first_syn(true);
	assert_true(sums_right(summed.data, summed.len));
	assert_int_equal(load_be16(unsummed.data + TCP_CSUM_AT), 0);
	assert_int_equal(unsummed.len, summed.len);
	tcp_checksum_fill(unsummed.data, unsummed.len);
	assert_memory_equal(unsummed.data, summed.data, summed.len);
}

/* --------------------------------------------------- the simulator */

struct seen {
	int packets;
	int right;   /* of them, with right checksums */
};

static void note(struct seen *s, const uint8_t *pkt, size_t len)
{
	s->packets++;
	s->right += sums_right(pkt, len);
}

static void peer_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                         synq_time_t now)
{
	(void)node;
	(void)now;
	note(ctx, pkt, len);
}

static bool router_look(void *ctx, struct sim_node *node, uint8_t *pkt, size_t len,
                        synq_time_t now)
{
	(void)node;
	(void)now;
	note(ctx, pkt, len);
	return true;
}

struct world {
	struct sim *sim;
	struct sim_host *host;
	struct sim_node *peer, *router;
	struct sim_link *host_link;
	struct seen at_peer, at_router;
};

/* host -- router (a forward hook that checks sums) -- peer */
static void world_setup(struct world *w)
{
	memset(w, 0, sizeof *w);
	assert_int_equal(sim_create(NULL, &w->sim), 0);
	struct sim_host_config hc = { .name = "host", .addr = HOST_ADDR, .seed = 1 };
	assert_int_equal(sim_host_add(w->sim, &hc, &w->host), 0);
	struct sim_node_config pc = { .name = "peer", .addr = PEER_ADDR,
	                              .receive = peer_receive, .ctx = &w->at_peer };
	assert_int_equal(sim_node_add(w->sim, &pc, &w->peer), 0);
	struct sim_node_config rc = { .name = "router", .addr = ROUTER_ADDR,
	                              .kind = SIM_NODE_ROUTER, .forward = router_look,
	                              .ctx = &w->at_router };
	assert_int_equal(sim_node_add(w->sim, &rc, &w->router), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(1);
	struct sim_link *to_peer;
	assert_int_equal(sim_link_add(w->sim, &lc, sim_host_node(w->host), w->router,
	                              &w->host_link), 0);
	assert_int_equal(sim_link_add(w->sim, &lc, w->router, w->peer, &to_peer), 0);
	assert_int_equal(sim_node_route_add(w->router, HOST_ADDR, 32, w->host_link), 0);
	assert_int_equal(sim_node_route_add(w->router, PEER_ADDR, 32, to_peer), 0);
	assert_int_equal(sim_node_route_add(w->peer, 0, 0, to_peer), 0);
	assert_int_equal(sim_node_route_add(sim_host_node(w->host), 0, 0, w->host_link), 0);
}

static void world_teardown(struct world *w)
{
	sim_destroy(w->sim);
	sim_host_free(w->host);
}

/* A SYN from the peer to a closed port of the host: the host's stack
 * answers with a reset, its TCP checksum left to the node. */
static void provoke_reset(struct world *w, synq_time_t until)
{
	struct ipv4_fields ipf = { .src_addr = PEER_ADDR, .dst_addr = HOST_ADDR, .id = 1,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP };
	struct tcp_segment seg = { .src_port = 40000, .dst_port = 81, .seq = 1000,
	                           .flags = TCP_SYN, .window = 65535 };
	uint8_t buf[128];
	size_t n = tcp_segment_emit(buf, sizeof buf, &ipf, &seg);
	assert_int_equal(sim_node_send(w->peer, buf, n), 0);
	assert_int_equal(sim_run_until(w->sim, until), 0);
}

static void forward_hook_and_plain_node_see_right_sums(void **state)
{
	(void)state;
	struct world w;
	world_setup(&w);
	provoke_reset(&w, SYNQ_MSEC(10));
	assert_int_equal(w.at_router.packets, 2); /* the SYN and the reset */
	assert_int_equal(w.at_router.right, 2);
	assert_int_equal(w.at_peer.packets, 1);
	assert_int_equal(w.at_peer.right, 1);
	world_teardown(&w);
}

/* Every record of a pcap file carries right checksums; returns how many. */
static int right_records(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t head[SYNQ_PCAP_HEADER_BYTES];
	assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
	int n = 0;
	uint8_t rec[SYNQ_PCAP_RECORD_HEADER_BYTES];
	while (fread(rec, 1, sizeof rec, f) == sizeof rec) {
		uint32_t caplen = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 |
		                  (uint32_t)rec[10] << 16 | (uint32_t)rec[11] << 24;
		uint8_t pkt[2048];
		assert_true(caplen <= sizeof pkt);
		assert_int_equal(fread(pkt, 1, caplen, f), caplen);
		assert_true(sums_right(pkt, caplen));
		n++;
	}
	fclose(f);
	return n;
}

static void captures_see_right_sums(void **state)
{
	(void)state;
	char node_path[] = "/tmp/synq_csum_node_XXXXXX";
	char link_path[] = "/tmp/synq_csum_link_XXXXXX";
	int fd1 = mkstemp(node_path), fd2 = mkstemp(link_path);
	assert_true(fd1 >= 0 && fd2 >= 0);
	close(fd1);
	close(fd2);
	struct synq_pcap *at_node, *at_link;
	assert_int_equal(synq_pcap_open(node_path, &at_node), 0);
	assert_int_equal(synq_pcap_open(link_path, &at_link), 0);
	struct world w;
	world_setup(&w);
	sim_node_capture(sim_host_node(w.host), at_node);
	sim_link_capture(w.host_link, SIM_LINK_B, at_link); /* the router's end */
	provoke_reset(&w, SYNQ_MSEC(10));
	world_teardown(&w);
	assert_int_equal(synq_pcap_close(at_node), 0);
	assert_int_equal(synq_pcap_close(at_link), 0);
	assert_int_equal(right_records(node_path), 2);
	assert_int_equal(right_records(link_path), 2);
	unlink(node_path);
	unlink(link_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsummed_then_filled_is_emitted),
		cmocka_unit_test(fill_leaves_other_datagrams_alone),
		cmocka_unit_test(stack_leaves_the_sum_to_an_offloading_device),
		cmocka_unit_test(forward_hook_and_plain_node_see_right_sums),
		cmocka_unit_test(captures_see_right_sums),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

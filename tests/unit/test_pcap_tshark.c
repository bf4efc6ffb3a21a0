/* SPDX-License-Identifier: BSD-2-Clause */
/* External validation with tshark: what src/ip emits and what the
 * simulator captures must decode as well-formed IPv4/TCP with correct
 * checksums in Wireshark's own dissectors. A control run with one
 * corrupted checksum shows the check can fail, and flags exactly that
 * packet. Without tshark the tests are skipped, saying so. */
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
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/pcap.h"
#include "tshark_run.h"
#include "synq/sim.h"

#define PKT_MAX 256
#define CORPUS_MAX 32
#define OUTPUT_MAX 65536
#define UNKNOWN_KIND 99 /* unassigned by IANA */

/* Anything Wireshark considers broken: malformed, bad checksums, or an
 * expert item of severity error. */
#define BAD_FILTER                                                              \
	"_ws.malformed || tcp.checksum.status == \"Bad\" || "                   \
	"ip.checksum.status == \"Bad\" || _ws.expert.severity == error"
#define CHECK_OPTS "-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE"

struct corpus {
	uint8_t pkt[CORPUS_MAX][PKT_MAX];
	size_t len[CORPUS_MAX];
	int n;
};

struct ctx {
	char dir[64];
	char pcap[128];
	char err[128];
	char out[OUTPUT_MAX];
	struct corpus corpus;
};

static int ctx_setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	strcpy(c->dir, "/tmp/synq-test-tshark-XXXXXX");
	if (!mkdtemp(c->dir)) {
		free(c);
		return -1;
	}
	snprintf(c->pcap, sizeof c->pcap, "%s/t.pcap", c->dir);
	snprintf(c->err, sizeof c->err, "%s/stderr", c->dir);
	*state = c;
	return 0;
}

static int ctx_teardown(void **state)
{
	struct ctx *c = *state;
	unlink(c->pcap);
	unlink(c->err);
	rmdir(c->dir);
	free(c);
	return 0;
}

/* tshark_run() on this test's capture, output into c->out. */
static int tshark(struct ctx *c, const char *args)
{
	return tshark_run(c->pcap, args, c->out, sizeof c->out, c->err);
}

static void corpus_add_segment(struct corpus *cp, uint8_t flags, const struct tcp_options *opt,
                               uint16_t payload_len)
{
	assert_true(cp->n < CORPUS_MAX);
	static const uint8_t payload[64] = "GET / HTTP/1.1\r\nHost: synq\r\n\r\n";
	struct ipv4_fields ipf = {
		.src_addr = 0xc0000201u, .dst_addr = 0xc6336405u, .id = (uint16_t)(1000 + cp->n),
		.ttl = 64, .protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
	struct tcp_segment seg = {
		.src_port = 40000, .dst_port = 80, .seq = 1000u + 100u * (uint32_t)cp->n,
		.ack = (flags & TCP_ACK) ? 5000 : 0, .flags = flags, .window = 64240,
		.payload = payload_len ? payload : NULL, .payload_len = payload_len,
		.opt = *opt,
	};
	size_t len = tcp_segment_emit(cp->pkt[cp->n], PKT_MAX, &ipf, &seg);
	assert_true(len >= IPV4_HEADER_MIN + TCP_HEADER_MIN);
	cp->len[cp->n++] = len;
}

/* Options tcp_options_emit() cannot write: NOP, an unknown kind with
 * data, MSS, then EOL and padding. Built by emitting the option bytes as
 * payload, then moving the data offset over them and redoing the sum. */
static void corpus_add_hand_built(struct corpus *cp)
{
	static const uint8_t opts[12] = {
		TCPOPT_NOP, TCPOPT_NOP, UNKNOWN_KIND, 4, 0xab, 0xcd,
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4, TCPOPT_EOL, 0,
	};
	assert_true(cp->n < CORPUS_MAX);
	uint8_t *b = cp->pkt[cp->n];
	struct ipv4_fields ipf = { .src_addr = 0xc0000201u, .dst_addr = 0xc6336405u,
	                           .id = 7, .ttl = 64, .protocol = IPV4_PROTO_TCP };
	struct tcp_segment seg = { .src_port = 40001, .dst_port = 80, .seq = 77,
	                           .flags = TCP_SYN, .window = 1024, .payload = opts,
	                           .payload_len = sizeof opts };
	size_t len = tcp_segment_emit(b, PKT_MAX, &ipf, &seg);
	assert_int_equal(len, 20 + 20 + sizeof opts);
	uint8_t *th = b + IPV4_HEADER_MIN;
	th[12] = (uint8_t)((TCP_HEADER_MIN + sizeof opts) / 4) << 4;
	store_be16(th + 16, 0);
	uint64_t sum = inet_sum_pseudo(ipf.src_addr, ipf.dst_addr, IPV4_PROTO_TCP,
	                               (uint16_t)(len - IPV4_HEADER_MIN));
	store_be16(th + 16, inet_sum_finish(inet_sum_add(sum, th, len - IPV4_HEADER_MIN)));
	/* Our own parser agrees it is valid and sees the MSS after the
	 * unknown option. */
	struct ipv4_view ip;
	struct tcp_segment parsed;
	assert_int_equal(ipv4_parse(b, len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &parsed, true), SYNQ_DROP_NONE);
	assert_true(parsed.opt.has_mss);
	assert_int_equal(parsed.opt.mss, 1460);
	cp->len[cp->n++] = len;
}

/* Every option kind tcp_options_emit() writes, alone and together. */
static void corpus_build(struct corpus *cp)
{
	cp->n = 0;
	struct tcp_options o;
	o = (struct tcp_options){ .has_mss = true, .mss = 1460 };
	corpus_add_segment(cp, TCP_SYN, &o, 0);
	o = (struct tcp_options){ .has_wscale = true, .wscale = 7 };
	corpus_add_segment(cp, TCP_SYN, &o, 0);
	o = (struct tcp_options){ .sack_permitted = true };
	corpus_add_segment(cp, TCP_SYN, &o, 0);
	o = (struct tcp_options){ .has_timestamp = true, .tsval = 123456, .tsecr = 0 };
	corpus_add_segment(cp, TCP_SYN, &o, 0);
	o = (struct tcp_options){ .has_mss = true, .mss = 1460, .sack_permitted = true,
	                          .has_timestamp = true, .tsval = 1, .has_wscale = true,
	                          .wscale = 7 }; /* Linux's SYN */
	corpus_add_segment(cp, TCP_SYN | TCP_ACK, &o, 0);
	for (uint8_t blocks = 1; blocks <= 4; blocks++) {
		/* With timestamps three blocks fit; four need all 40 bytes. */
		o = (struct tcp_options){ .has_timestamp = blocks < 4, .tsval = 99,
		                          .tsecr = 98, .sack_count = blocks };
		for (uint8_t i = 0; i < blocks; i++)
			o.sack[i] = (struct tcp_sack_block){ 5000u + 2000u * i + 1000u,
			                                     5000u + 2000u * i + 1500u };
		corpus_add_segment(cp, TCP_ACK, &o, 0);
	}
	o = (struct tcp_options){ .has_timestamp = true, .tsval = 2, .tsecr = 1 };
	corpus_add_segment(cp, TCP_ACK | TCP_PSH, &o, 31);
	corpus_add_segment(cp, TCP_FIN | TCP_ACK, &o, 0);
	o = (struct tcp_options){ 0 };
	corpus_add_segment(cp, TCP_RST, &o, 0);
	corpus_add_hand_built(cp);
}

static void corpus_write(const struct ctx *c, int corrupt_index)
{
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open(c->pcap, &pcap), 0);
	for (int i = 0; i < c->corpus.n; i++) {
		uint8_t copy[PKT_MAX];
		memcpy(copy, c->corpus.pkt[i], c->corpus.len[i]);
		if (i == corrupt_index)
			copy[IPV4_HEADER_MIN + 17] ^= 0x5a; /* TCP checksum */
		assert_int_equal(synq_pcap_write(pcap, SYNQ_MSEC(i), copy, c->corpus.len[i]), 0);
	}
	assert_int_equal(synq_pcap_close(pcap), 0);
}

/* True if the comma/newline separated field output contains value. */
static bool output_has_value(const char *out, const char *value)
{
	size_t n = strlen(value);
	for (const char *p = out; (p = strstr(p, value)) != NULL; p += n) {
		bool starts = p == out || p[-1] == ',' || p[-1] == '\n';
		bool ends = p[n] == ',' || p[n] == '\n' || p[n] == '\0';
		if (starts && ends)
			return true;
	}
	return false;
}

static void tshark_accepts_every_option_we_emit(void **state)
{
	struct ctx *c = *state;
	if (!tshark_available()) {
		fprintf(stderr, "skip: tshark not installed; pcap validation not run\n");
		skip();
	}
	corpus_build(&c->corpus);
	corpus_write(c, -1);

	/* tshark read the whole file, and every packet as TCP over IPv4. */
	assert_int_equal(tshark(c, ""), c->corpus.n);
	assert_int_equal(tshark(c, "-Y 'ip.version == 4 && tcp'"), c->corpus.n);
	/* The options we meant to cover were all decoded. */
	tshark(c, "-T fields -e tcp.option_kind");
	static const char *const kinds[] = { "0", "1", "2", "3", "4", "5", "8", "99" };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!output_has_value(c->out, kinds[i]))
			fail_msg("tshark saw no TCP option of kind %s in:\n%s", kinds[i], c->out);
	tshark(c, "-Y tcp.options.sack -T fields -e tcp.options.sack.count");
	for (int blocks = 1; blocks <= 4; blocks++) {
		char v[12];
		snprintf(v, sizeof v, "%d", blocks);
		if (!output_has_value(c->out, v))
			fail_msg("no packet with %d SACK blocks in:\n%s", blocks, c->out);
	}
	assert_int_equal(tshark(c, "-Y 'tcp.options.mss_val == 1460'"), 3);

	/* And nothing is flagged. */
	int bad = tshark(c, CHECK_OPTS " -Y '" BAD_FILTER "'");
	if (bad != 0)
		fail_msg("tshark flagged %d packet(s):\n%s", bad, c->out);
}

static void tshark_flags_exactly_the_corrupted_packet(void **state)
{
	struct ctx *c = *state;
	if (!tshark_available()) {
		fprintf(stderr, "skip: tshark not installed; pcap validation not run\n");
		skip();
	}
	corpus_build(&c->corpus);
	const int corrupt = 6; /* frame number 7 */
	corpus_write(c, corrupt);
	assert_int_equal(tshark(c, CHECK_OPTS " -Y '" BAD_FILTER "' -T fields -e frame.number"), 1);
	assert_string_equal(c->out, "7\n");
	/* The same file without checksum checking looks clean: the flag
	 * above came from the checksum and nothing else. */
	assert_int_equal(tshark(c, "-o tcp.check_checksum:FALSE -o ip.check_checksum:FALSE"
	                           " -Y '" BAD_FILTER "'"), 0);
}

/* A simulated exchange through a router (TTL rewritten with an
 * incremental checksum), captured on both sides of it. */
static void reply(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                  synq_time_t now)
{
	(void)ctx;
	struct ipv4_view ip;
	struct tcp_segment in;
	if (ipv4_parse(pkt, len, &ip) != SYNQ_DROP_NONE || tcp_parse(&ip, &in, true) != SYNQ_DROP_NONE ||
	    in.flags != (TCP_ACK | TCP_PSH))
		return;
	uint8_t buf[PKT_MAX];
	struct ipv4_fields ipf = { .src_addr = ip.dst_addr, .dst_addr = ip.src_addr,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP };
	struct tcp_segment out = {
		.src_port = in.dst_port, .dst_port = in.src_port, .seq = in.ack,
		.ack = in.seq + in.payload_len, .flags = TCP_ACK, .window = 500,
		.opt = { .has_timestamp = true, .tsval = (uint32_t)(now / 1000000),
		         .tsecr = in.opt.tsval, .sack_count = 1,
		         .sack = { { in.seq + 10000, in.seq + 11000 } } },
	};
	size_t n = tcp_segment_emit(buf, sizeof buf, &ipf, &out);
	assert_true(n > 0);
	assert_int_equal(sim_node_send(node, buf, n), 0);
}

static void tshark_accepts_simulated_traffic(void **state)
{
	struct ctx *c = *state;
	if (!tshark_available()) {
		fprintf(stderr, "skip: tshark not installed; pcap validation not run\n");
		skip();
	}
	corpus_build(&c->corpus);
	struct sim *sim;
	assert_int_equal(sim_create(NULL, &sim), 0);
	struct sim_node *a, *r, *b;
	struct sim_node_config ca = { .name = "a", .addr = 0xc0000201u };
	struct sim_node_config cr = { .name = "r", .addr = 0xc00002feu, .kind = SIM_NODE_ROUTER };
	struct sim_node_config cb = { .name = "b", .addr = 0xc6336405u, .receive = reply };
	assert_int_equal(sim_node_add(sim, &ca, &a), 0);
	assert_int_equal(sim_node_add(sim, &cr, &r), 0);
	assert_int_equal(sim_node_add(sim, &cb, &b), 0);
	struct sim_link_config lc;
	sim_link_config_init(&lc);
	lc.delay_ns = SYNQ_MSEC(3);
	lc.rate_bps = 1000000;
	struct sim_link *la, *lb;
	assert_int_equal(sim_link_add(sim, &lc, a, r, &la), 0);
	assert_int_equal(sim_link_add(sim, &lc, r, b, &lb), 0);
	assert_int_equal(sim_node_route_add(r, 0xc0000200u, 24, la), 0);
	assert_int_equal(sim_node_route_add(r, 0xc6336400u, 24, lb), 0);
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open(c->pcap, &pcap), 0);
	sim_node_capture(r, pcap);
	for (int i = 0; i < c->corpus.n; i++)
		assert_int_equal(sim_node_send(a, c->corpus.pkt[i], c->corpus.len[i]), 0);
	assert_int_equal(sim_run_until(sim, SYNQ_TIME_NEVER), 0);
	uint64_t records = synq_pcap_records(pcap);
	sim_destroy(sim);
	assert_int_equal(synq_pcap_close(pcap), 0);

	/* Every corpus packet in and out, plus the one reply to the data
	 * segment in and out. */
	assert_int_equal(records, 2 * c->corpus.n + 2);
	assert_int_equal(tshark(c, ""), (int)records);
	assert_int_equal(tshark(c, "-Y 'ip.ttl == 63'"), c->corpus.n + 1);
	int bad = tshark(c, CHECK_OPTS " -Y '" BAD_FILTER "'");
	if (bad != 0)
		fail_msg("tshark flagged %d packet(s):\n%s", bad, c->out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tshark_accepts_every_option_we_emit, ctx_setup, ctx_teardown),
		cmocka_unit_test_setup_teardown(tshark_flags_exactly_the_corrupted_packet, ctx_setup, ctx_teardown),
		cmocka_unit_test_setup_teardown(tshark_accepts_simulated_traffic, ctx_setup, ctx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

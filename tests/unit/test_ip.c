/* SPDX-License-Identifier: BSD-2-Clause */
/* Known-answer tests for the packet layer: checksums, IPv4, TCP, options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/ipv4.h"
#include "ip/tcp_plain.h"
#include "ip/tcp_wire.h"

/* ---------------------------------------------------------------- checksum */

static void checksum_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 section 3: these words sum to 0xddf2. */
	const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(inet_checksum(data, sizeof data), (uint16_t)~0xddf2);
}

static void checksum_odd_lengths(void **state)
{
	(void)state;
	const uint8_t one[] = { 0x01 };
	assert_int_equal(inet_checksum(one, 1), (uint16_t)~0x0100);
	const uint8_t three[] = { 0x00, 0x01, 0xf2 };
	assert_int_equal(inet_checksum(three, 3), (uint16_t)~0xf201);
	/* 17 bytes exercises the 16-byte loop and then the odd tail. */
	uint8_t seventeen[17];
	uint32_t expect = 0;
	for (unsigned i = 0; i < sizeof seventeen; i++) {
		seventeen[i] = (uint8_t)(i * 37 + 11);
		expect += (i % 2 == 0) ? (uint32_t)seventeen[i] << 8 : seventeen[i];
	}
	while (expect >> 16)
		expect = (expect & 0xffff) + (expect >> 16);
	assert_int_equal(inet_checksum(seventeen, sizeof seventeen), (uint16_t)~expect);
	assert_int_equal(inet_checksum(NULL, 0), 0xffff);
}

static void checksum_chained_chunks_equal_whole(void **state)
{
	(void)state;
	uint8_t buf[101];
	for (unsigned i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7919 >> 3);
	for (size_t split = 0; split <= sizeof buf; split += 2) {
		uint64_t sum = inet_sum_add(0, buf, split);
		sum = inet_sum_add(sum, buf + split, sizeof buf - split);
		assert_int_equal(inet_sum_finish(sum), inet_checksum(buf, sizeof buf));
	}
}

/* The textbook sum, 16 bits at a time, for comparison. */
static uint16_t reference_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += (i % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void checksum_matches_reference_with_carries(void **state)
{
	(void)state;
	/* All-ones and near-all-ones data make every word add carry out. */
	uint8_t buf[1600];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int pattern = 0; pattern < 3; pattern++) {
		for (size_t i = 0; i < sizeof buf; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = pattern == 0 ? 0xff : pattern == 1 ? (uint8_t)(0xf0 | (x & 0x0f))
			                                            : (uint8_t)x;
		}
		for (size_t len = 0; len <= sizeof buf; len += (len < 64 ? 1 : 97)) {
			uint16_t want = reference_checksum(buf, len);
			uint16_t got = inet_checksum(buf, len);
			/* 0x0000 and 0xffff are the same ones' complement zero. */
			if (want != got)
				assert_true((want == 0 && got == 0xffff) || (want == 0xffff && got == 0));
			/* A large running sum going in must not lose a carry. */
			uint64_t chained = inet_sum_add(inet_sum_add(~0ull - 1, buf, len / 2 * 2),
			                                buf + len / 2 * 2, len - len / 2 * 2);
			uint64_t whole = inet_sum_add(~0ull - 1, buf, len);
			assert_int_equal(inet_sum_finish(chained), inet_sum_finish(whole));
		}
	}
}

static const uint8_t sample_ipv4_header[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void checksum_known_ipv4_header(void **state)
{
	(void)state;
	uint8_t h[20];
	memcpy(h, sample_ipv4_header, 20);
	assert_int_equal(inet_checksum(h, 20), 0);
	h[10] = h[11] = 0;
	assert_int_equal(inet_checksum(h, 20), 0xb861);
}

static void checksum_incremental_matches_recompute(void **state)
{
	(void)state;
	uint8_t h[20];
	uint32_t lcg = 12345;
	for (int round = 0; round < 20000; round++) {
		memcpy(h, sample_ipv4_header, 20);
		lcg = lcg * 1103515245u + 12345u;
		uint16_t field = (uint16_t)(lcg >> 8);
		unsigned word = (lcg >> 28) % 10;
		if (word == 5)
			continue; /* the checksum field itself */
		uint16_t old = load_be16(h + 2 * word);
		store_be16(h + 2 * word, field);
		uint16_t adjusted = inet_checksum_adjust16(load_be16(h + 10), old, field);
		h[10] = h[11] = 0;
		assert_int_equal(adjusted, inet_checksum(h, 20));
	}
	/* 32-bit variant through the address helpers. */
	memcpy(h, sample_ipv4_header, 20);
	ipv4_set_src(h, 0x0a000001);
	ipv4_set_dst(h, 0xfffffffe);
	assert_int_equal(inet_checksum(h, 20), 0);
	assert_int_equal(load_be32(h + 12), 0x0a000001);
}

static void checksum_adjust_handles_all_ones(void **state)
{
	(void)state;
	/* Data whose words sum to 0xffff has checksum 0: a no-op update of it
	 * must leave a checksum that still verifies. */
	uint8_t h[4] = { 0xff, 0xff, 0x00, 0x00 };
	store_be16(h + 2, inet_checksum(h, 4));
	uint16_t c = inet_checksum_adjust16(load_be16(h + 2), 0xffff, 0xffff);
	store_be16(h + 2, c);
	assert_int_equal(inet_checksum(h, 4), 0);
}

/* ------------------------------------------------------------------- IPv4 */

#if defined(__SANITIZE_ADDRESS__)
/* The sum's assembly loop is invisible to AddressSanitizer, so
 * inet_sum_add() checks the whole buffer first: a sum that runs 32 bytes
 * past a heap buffer (all of it inside the loop's reach) still stops an
 * ASan build (only there is the test built). Run in a child, which ASan
 * ends. */
static void checksum_overrun_reported_by_asan(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(STDERR_FILENO); /* the child's report is expected */
		uint8_t *buf = malloc(64);
		memset(buf, 1, 64);
		uint64_t sum = inet_sum_add(0, buf, 96);
		free(buf);
		_exit(sum == 0 ? 3 : 0); /* reached only if the overrun went unseen */
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
#endif

static void ipv4_parse_good_and_padding(void **state)
{
	(void)state;
	uint8_t buf[0x73 + 6] = { 0 };
	memcpy(buf, sample_ipv4_header, 20);
	struct ipv4_view ip;
	assert_int_equal(ipv4_parse(buf, sizeof buf, &ip), SYNQ_DROP_NONE);
	assert_int_equal(ip.total_len, 0x73);
	assert_int_equal(ip.payload_len, 0x73 - 20);
	assert_int_equal(ip.protocol, IPV4_PROTO_UDP);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.src_addr, 0xc0a80001);
	assert_int_equal(ip.dst_addr, 0xc0a800c7);
	assert_ptr_equal(ip.payload, buf + 20);
}

static void make_header(uint8_t *h, uint8_t ver_ihl, uint16_t total, uint16_t frag)
{
	memcpy(h, sample_ipv4_header, 20);
	h[0] = ver_ihl;
	store_be16(h + 2, total);
	store_be16(h + 6, frag);
	h[10] = h[11] = 0;
	unsigned ihl = (ver_ihl & 0xf) * 4u;
	if (ihl < 20)
		ihl = 20;
	store_be16(h + 10, inet_checksum(h, ihl));
}

static void ipv4_parse_each_malformation(void **state)
{
	(void)state;
	uint8_t buf[80] = { 0 };
	struct ipv4_view ip;

	assert_int_equal(ipv4_parse(buf, 19, &ip), SYNQ_DROP_IP_SHORT);
	make_header(buf, 0x65, 40, 0);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_VERSION);
	make_header(buf, 0x44, 40, 0);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_HEADER_LEN);
	make_header(buf, 0x4f, 40, 0); /* 60-byte header in 40 bytes */
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_HEADER_LEN);
	make_header(buf, 0x45, 40, 0);
	buf[8] ^= 1; /* TTL changed after the checksum */
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_CHECKSUM);
	make_header(buf, 0x45, 41, 0);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_TRUNCATED);
	make_header(buf, 0x45, 19, 0);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_TOTAL_LEN);
	make_header(buf, 0x45, 40, IPV4_FLAG_MF);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_FRAGMENT);
	make_header(buf, 0x45, 40, IPV4_FLAG_DF | 1);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_IP_FRAGMENT);
	make_header(buf, 0x45, 40, IPV4_FLAG_DF);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_NONE);
	/* Options in the IP header are accepted and skipped. */
	make_header(buf, 0x46, 40, 0);
	assert_int_equal(ipv4_parse(buf, 40, &ip), SYNQ_DROP_NONE);
	assert_int_equal(ip.header_len, 24);
	assert_int_equal(ip.payload_len, 16);
}

static void ipv4_emit_round_trip_and_ttl(void **state)
{
	(void)state;
	uint8_t buf[20 + 8] = { 0 };
	struct ipv4_fields f = { .src_addr = 0xc0000201, .dst_addr = 0xc0a80001,
	                         .id = 7, .tos = 0x10, .ttl = 2,
	                         .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
	assert_int_equal(ipv4_emit(buf, &f, 8), 20);
	struct ipv4_view ip;
	assert_int_equal(ipv4_parse(buf, sizeof buf, &ip), SYNQ_DROP_NONE);
	assert_int_equal(ip.frag, IPV4_FLAG_DF);
	assert_int_equal(ip.tos, 0x10);
	assert_int_equal(ip.id, 7);
	assert_true(ipv4_forward_ttl(buf));
	assert_int_equal(ipv4_parse(buf, sizeof buf, &ip), SYNQ_DROP_NONE);
	assert_int_equal(ip.ttl, 1);
	assert_false(ipv4_forward_ttl(buf));
	assert_int_equal(buf[8], 1);
}

static void ipv4_address_text(void **state)
{
	(void)state;
	uint32_t a;
	char text[16];
	assert_true(ipv4_addr_parse("192.168.0.1", &a));
	assert_int_equal(a, 0xc0a80001);
	assert_string_equal(ipv4_addr_format(a, text), "192.168.0.1");
	assert_true(ipv4_addr_parse("0.0.0.0", &a));
	assert_true(ipv4_addr_parse("255.255.255.255", &a));
	assert_int_equal(a, 0xffffffff);
	assert_false(ipv4_addr_parse("256.0.0.1", &a));
	assert_false(ipv4_addr_parse("1.2.3", &a));
	assert_false(ipv4_addr_parse("1.2.3.4.", &a));
	assert_false(ipv4_addr_parse("1..3.4", &a));
	assert_false(ipv4_addr_parse("0001.2.3.4", &a));
	assert_false(ipv4_addr_parse("", &a));
}

/* ---------------------------------------------------------------- options */

static void options_linux_syn_layout(void **state)
{
	(void)state;
	struct tcp_options o = { .has_mss = true, .mss = 1460, .sack_permitted = true,
	                         .has_timestamp = true, .tsval = 0x01020304,
	                         .tsecr = 0, .has_wscale = true, .wscale = 7 };
	const uint8_t expect[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
	                           0, 0, 0, 0, 1, 3, 3, 7 };
	uint8_t buf[40];
	assert_int_equal(tcp_options_size(&o), sizeof expect);
	assert_int_equal(tcp_options_emit(buf, &o), sizeof expect);
	assert_memory_equal(buf, expect, sizeof expect);

	struct tcp_options back;
	tcp_options_parse(buf, sizeof expect, &back);
	assert_int_equal(back.anomaly, TCP_OPTIONS_OK);
	assert_true(back.has_mss && back.mss == 1460);
	assert_true(back.sack_permitted);
	assert_true(back.has_timestamp && back.tsval == 0x01020304 && back.tsecr == 0);
	assert_true(back.has_wscale && back.wscale == 7);
	assert_int_equal(back.sack_count, 0);
}

static void options_no_timestamp_layouts(void **state)
{
	(void)state;
	struct tcp_options o = { .has_mss = true, .mss = 536, .sack_permitted = true };
	const uint8_t expect[] = { 2, 4, 0x02, 0x18, 1, 1, 4, 2 };
	uint8_t buf[40];
	assert_int_equal(tcp_options_emit(buf, &o), sizeof expect);
	assert_memory_equal(buf, expect, sizeof expect);

	struct tcp_options ts_only = { .has_timestamp = true, .tsval = 9, .tsecr = 8 };
	const uint8_t expect_ts[] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8 };
	assert_int_equal(tcp_options_emit(buf, &ts_only), sizeof expect_ts);
	assert_memory_equal(buf, expect_ts, sizeof expect_ts);
}

static void options_sack_blocks_round_trip(void **state)
{
	(void)state;
	for (int with_ts = 0; with_ts <= 1; with_ts++) {
		for (unsigned n = 1; n <= TCP_SACK_BLOCKS_MAX; n++) {
			struct tcp_options o = { .has_timestamp = with_ts, .tsval = 1,
			                         .tsecr = 2, .sack_count = (uint8_t)n };
			for (unsigned i = 0; i < n; i++) {
				o.sack[i].start = 1000 * i + 1;
				o.sack[i].end = 1000 * i + 501;
			}
			unsigned fit = with_ts ? (n < 3 ? n : 3) : n;
			uint8_t buf[40];
			size_t len = tcp_options_emit(buf, &o);
			assert_int_equal(len, tcp_options_size(&o));
			assert_int_equal(len, (with_ts ? 12 : 0) + 4 + 8 * fit);
			assert_true(len <= TCP_OPTION_SPACE);
			struct tcp_options back;
			tcp_options_parse(buf, len, &back);
			assert_int_equal(back.anomaly, TCP_OPTIONS_OK);
			assert_int_equal(back.sack_count, fit);
			assert_int_equal(back.has_timestamp, with_ts);
			for (unsigned i = 0; i < fit; i++) {
				assert_int_equal(back.sack[i].start, o.sack[i].start);
				assert_int_equal(back.sack[i].end, o.sack[i].end);
			}
		}
	}
}

static void options_malformed_lengths(void **state)
{
	(void)state;
	struct tcp_options o;

	/* Length 0 stops the walk; the MSS before it is kept, the WS after lost. */
	const uint8_t zero_len[] = { 2, 4, 0x05, 0xb4, 99, 0, 3, 3, 7, 0, 0, 0 };
	tcp_options_parse(zero_len, sizeof zero_len, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_SILLY_LENGTH);
	assert_true(o.has_mss);
	assert_false(o.has_wscale);

	/* Length 1 likewise. */
	const uint8_t one_len[] = { 1, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	tcp_options_parse(one_len, sizeof one_len, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_SILLY_LENGTH);
	assert_false(o.has_timestamp);

	/* A length past the end of the option space. */
	const uint8_t partial[] = { 1, 1, 8, 10, 0, 0, 0, 1 };
	tcp_options_parse(partial, sizeof partial, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_PARTIAL);
	assert_false(o.has_timestamp);

	/* A kind byte with no room for its length. */
	const uint8_t dangling[] = { 1, 1, 1, 2 };
	tcp_options_parse(dangling, sizeof dangling, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_PARTIAL);
	assert_false(o.has_mss);

	/* Known kind, wrong size: skipped by its length, the walk goes on. */
	const uint8_t bad_mss[] = { 2, 3, 5, 3, 3, 7, 1, 1 };
	tcp_options_parse(bad_mss, sizeof bad_mss, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_BAD_LENGTH);
	assert_false(o.has_mss);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 7);

	/* SACK whose size is not 2 + 8n. */
	const uint8_t bad_sack[] = { 5, 6, 0, 0, 0, 1, 1, 1 };
	tcp_options_parse(bad_sack, sizeof bad_sack, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_BAD_LENGTH);
	assert_int_equal(o.sack_count, 0);

	/* Unknown kinds are skipped; EOL ends the walk. */
	const uint8_t unknown[] = { 30, 4, 0xaa, 0xbb, 4, 2, 0, 2, 4, 5, 0xb4 };
	tcp_options_parse(unknown, sizeof unknown, &o);
	assert_int_equal(o.anomaly, TCP_OPTIONS_OK);
	assert_true(o.sack_permitted);
	assert_false(o.has_mss);

	/* Window scale above 14 is reported as sent (the receiver clamps). */
	const uint8_t big_ws[] = { 3, 3, 15, 0 };
	tcp_options_parse(big_ws, sizeof big_ws, &o);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 15);
}

/* -------------------------------------------------------------------- TCP */

static size_t build_syn(uint8_t *buf, size_t cap)
{
	struct ipv4_fields ipf = { .src_addr = 0xc0000201, .dst_addr = 0xc0a80001,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP,
	                           .dont_fragment = true };
	struct tcp_segment seg = {
		.src_port = 40000, .dst_port = 8080, .seq = 0xdeadbeef,
		.flags = TCP_SYN, .window = 65535,
		.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
		         .has_timestamp = true, .tsval = 100, .has_wscale = true,
		         .wscale = 8 },
	};
	return tcp_segment_emit(buf, cap, &ipf, &seg);
}

static void tcp_emit_parse_round_trip(void **state)
{
	(void)state;
	uint8_t buf[128];
	size_t len = build_syn(buf, sizeof buf);
	assert_int_equal(len, 60);
	struct ipv4_view ip;
	struct tcp_segment seg;
	assert_int_equal(ipv4_parse(buf, len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &seg, true), SYNQ_DROP_NONE);
	assert_int_equal(seg.src_port, 40000);
	assert_int_equal(seg.dst_port, 8080);
	assert_int_equal(seg.seq, 0xdeadbeef);
	assert_int_equal(seg.flags, TCP_SYN);
	assert_int_equal(seg.header_len, 40);
	assert_int_equal(seg.payload_len, 0);
	assert_true(seg.opt.has_mss && seg.opt.mss == 1460);
	assert_int_equal(seg.opt.wscale, 8);

	/* With a payload, including an odd length, both ways of supplying it. */
	struct ipv4_fields ipf = { .src_addr = 1, .dst_addr = 2, .ttl = 64,
	                           .protocol = IPV4_PROTO_TCP };
	struct tcp_segment data = { .src_port = 1, .dst_port = 2, .seq = 5, .ack = 6,
	                            .flags = TCP_ACK | TCP_PSH, .window = 100,
	                            .payload = (const uint8_t *)"hello", .payload_len = 5,
	                            .opt = { .has_timestamp = true, .tsval = 1 } };
	len = tcp_segment_emit(buf, sizeof buf, &ipf, &data);
	assert_int_equal(len, 20 + 32 + 5);
	assert_int_equal(ipv4_parse(buf, len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &seg, true), SYNQ_DROP_NONE);
	assert_int_equal(seg.payload_len, 5);
	assert_memory_equal(seg.payload, "hello", 5);

	uint8_t inplace[128];
	memcpy(inplace + tcp_payload_offset(&data.opt), "hello", 5);
	data.payload = NULL;
	assert_int_equal(tcp_segment_emit(inplace, sizeof inplace, &ipf, &data), len);
	assert_memory_equal(inplace, buf, len);

	/* Too small a buffer is refused, not overrun. */
	assert_int_equal(tcp_segment_emit(buf, len - 1, &ipf, &data), 0);
}

/* The plain builder writes tcp_segment_emit()'s bytes (and its unsummed
 * variant's) for every segment it can build: fields from a fixed-seed
 * generator, with and without timestamps, payloads of every length class,
 * in place or copied, and refuses a buffer one byte short as it does. */
static void tcp_plain_matches_general_builder(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15u;
	uint8_t payload[1500];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	for (int round = 0; round < 4000; round++) {
		uint32_t r[8];
		for (int k = 0; k < 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[k] = (uint32_t)(x >> 16);
		}
		struct ipv4_fields ipf = {
			.src_addr = r[0], .dst_addr = r[1] ^ (r[0] << 3), .id = (uint16_t)r[2],
			.tos = (uint8_t)(r[2] >> 16), .ttl = (uint8_t)(r[2] >> 24),
			.protocol = IPV4_PROTO_TCP, .dont_fragment = (r[3] & 1) != 0,
		};
		/* all-ones and all-zero corners of the header sum, now and then */
		if (round % 97 == 0) {
			ipf.src_addr = ipf.dst_addr = round % 2 ? 0xffffffffu : 0;
			ipf.id = round % 2 ? 0xffff : 0;
		}
		uint16_t len = (uint16_t)(round % 5 == 0 ? 0 : round % 5 == 1 ? 1
		                          : round % 5 == 2 ? 1448 : r[3] % 1461);
		struct tcp_plain_segment plain = {
			.seq = r[4], .ack = r[5], .tsval = r[6], .tsecr = r[7],
			.src_port = (uint16_t)r[3], .dst_port = (uint16_t)(r[3] >> 16),
			.window = (uint16_t)(r[4] >> 8), .payload_len = len,
			.flags = (uint8_t)r[5], .has_timestamp = (round & 2) != 0,
			.payload = payload + (r[6] % 16),
		};
		struct tcp_segment seg = {
			.src_port = plain.src_port, .dst_port = plain.dst_port,
			.seq = plain.seq, .ack = plain.ack, .flags = plain.flags,
			.window = plain.window, .payload = plain.payload, .payload_len = len,
			.opt = { .has_timestamp = plain.has_timestamp, .tsval = plain.tsval,
			         .tsecr = plain.tsecr },
		};
		static uint8_t want[1600], got[1600];
		bool sum = (round & 1) != 0;
		memset(want, 0xa5, sizeof want);
		memset(got, 0x5a, sizeof got);
		size_t n = sum ? tcp_segment_emit(want, sizeof want, &ipf, &seg)
		               : tcp_segment_emit_unsummed(want, sizeof want, &ipf, &seg);
		assert_true(n > 0);
		assert_int_equal(tcp_plain_segment_emit(got, sizeof got, &ipf, &plain, sum), n);
		assert_memory_equal(got, want, n);
		struct ipv4_view ip;
		assert_int_equal(ipv4_parse(got, n, &ip), SYNQ_DROP_NONE);
		/* both builders write the IPv4 header ipv4_emit() writes */
		uint8_t ref[IPV4_HEADER_MIN];
		assert_int_equal(ipv4_emit(ref, &ipf, (uint16_t)(n - IPV4_HEADER_MIN)),
		                 IPV4_HEADER_MIN);
		assert_memory_equal(got, ref, IPV4_HEADER_MIN);
		/* the payload already in place */
		if (len) {
			memset(got, 0x5a, sizeof got);
			memcpy(got + n - len, plain.payload, len);
			plain.payload = NULL;
			assert_int_equal(tcp_plain_segment_emit(got, sizeof got, &ipf, &plain, sum), n);
			assert_memory_equal(got, want, n);
		}
		assert_int_equal(tcp_plain_segment_emit(got, n - 1, &ipf, &plain, sum), 0);
	}
}

/* tcp_parse() reads the two common layouts itself and hands any other to
 * tcp_options_parse(): all three routes give what the walk gives, and a
 * header without options leaves every option field clear. */
static void tcp_parse_option_routes(void **state)
{
	(void)state;
	struct ipv4_fields ipf = { .src_addr = 1, .dst_addr = 2, .ttl = 64,
	                           .protocol = IPV4_PROTO_TCP };
	const struct tcp_options layouts[] = {
		{ 0 },
		{ .has_timestamp = true, .tsval = 7, .tsecr = 9 },
		{ .has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
		  .tsval = 1, .has_wscale = true, .wscale = 7 },
		{ .has_timestamp = true, .tsval = 3, .sack_count = 2,
		  .sack = { { 100, 200 }, { 300, 400 } } },
		{ .has_mss = true, .mss = 536, .sack_permitted = true },
	};
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
		uint8_t buf[128];
		struct tcp_segment out = { .src_port = 1, .dst_port = 2, .flags = TCP_ACK,
		                           .opt = layouts[i] };
		size_t len = tcp_segment_emit(buf, sizeof buf, &ipf, &out);
		assert_true(len > 0);
		struct ipv4_view ip;
		struct tcp_segment seg;
		memset(&seg.opt, 0xa5, sizeof seg.opt);
		assert_int_equal(ipv4_parse(buf, len, &ip), SYNQ_DROP_NONE);
		assert_int_equal(tcp_parse(&ip, &seg, true), SYNQ_DROP_NONE);
		struct tcp_options walked;
		tcp_options_parse(buf + 40, seg.header_len - 20u, &walked);
		assert_memory_equal(&seg.opt, &walked, sizeof walked);
		assert_int_equal(seg.opt.has_timestamp, layouts[i].has_timestamp);
		assert_int_equal(seg.opt.tsval, layouts[i].tsval);
		assert_int_equal(seg.opt.sack_count, layouts[i].sack_count);
		assert_int_equal(seg.opt.mss, layouts[i].mss);
	}
}

static void tcp_parse_each_malformation(void **state)
{
	(void)state;
	uint8_t buf[128];
	size_t len = build_syn(buf, sizeof buf);
	struct ipv4_view ip;
	struct tcp_segment seg;

	assert_int_equal(ipv4_parse(buf, len, &ip), SYNQ_DROP_NONE);
	ip.payload_len = 19;
	assert_int_equal(tcp_parse(&ip, &seg, false), SYNQ_DROP_TCP_SHORT);

	uint8_t copy[128];
	memcpy(copy, buf, len);
	copy[20 + 12] = 4 << 4; /* data offset 4 */
	assert_int_equal(ipv4_parse(copy, len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &seg, false), SYNQ_DROP_TCP_HEADER_LEN);
	copy[20 + 12] = 15 << 4; /* 60 bytes in a 40-byte segment */
	assert_int_equal(tcp_parse(&ip, &seg, false), SYNQ_DROP_TCP_HEADER_LEN);

	memcpy(copy, buf, len);
	copy[20 + 4] ^= 0x80; /* flip a sequence bit */
	assert_int_equal(ipv4_parse(copy, len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &seg, true), SYNQ_DROP_TCP_CHECKSUM);
	assert_int_equal(tcp_parse(&ip, &seg, false), SYNQ_DROP_NONE);
}

static void tcp_flags_text(void **state)
{
	(void)state;
	char b[9];
	assert_string_equal(tcp_flags_format(TCP_SYN, b), "S");
	assert_string_equal(tcp_flags_format(TCP_SYN | TCP_ACK, b), "S.");
	assert_string_equal(tcp_flags_format(TCP_PSH | TCP_ACK, b), "P.");
	assert_string_equal(tcp_flags_format(TCP_RST, b), "R");
	assert_string_equal(tcp_flags_format(0, b), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checksum_rfc1071_example),
		cmocka_unit_test(checksum_odd_lengths),
		cmocka_unit_test(checksum_chained_chunks_equal_whole),
		cmocka_unit_test(checksum_matches_reference_with_carries),
		cmocka_unit_test(checksum_known_ipv4_header),
		cmocka_unit_test(checksum_incremental_matches_recompute),
		cmocka_unit_test(checksum_adjust_handles_all_ones),
#if defined(__SANITIZE_ADDRESS__)
		cmocka_unit_test(checksum_overrun_reported_by_asan),
#endif
		cmocka_unit_test(ipv4_parse_good_and_padding),
		cmocka_unit_test(ipv4_parse_each_malformation),
		cmocka_unit_test(ipv4_emit_round_trip_and_ttl),
		cmocka_unit_test(ipv4_address_text),
		cmocka_unit_test(options_linux_syn_layout),
		cmocka_unit_test(options_no_timestamp_layouts),
		cmocka_unit_test(options_sack_blocks_round_trip),
		cmocka_unit_test(options_malformed_lengths),
		cmocka_unit_test(tcp_emit_parse_round_trip),
		cmocka_unit_test(tcp_plain_matches_general_builder),
		cmocka_unit_test(tcp_parse_option_routes),
		cmocka_unit_test(tcp_parse_each_malformation),
		cmocka_unit_test(tcp_flags_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

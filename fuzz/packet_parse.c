/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the IPv4 + TCP + options parser on arbitrary bytes.
 *
 * Besides "no crash, no over-read" (ASan), it checks two properties:
 * a parsed view stays inside the input, and a parsed segment re-emitted
 * through the builder parses back to the same fields. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct ipv4_view *ip, const struct tcp_segment *seg)
{
	struct ipv4_fields ipf = { .src_addr = ip->src_addr, .dst_addr = ip->dst_addr,
	                           .ttl = ip->ttl, .protocol = IPV4_PROTO_TCP };
	static uint8_t out[70000];
	size_t len = tcp_segment_emit(out, sizeof out, &ipf, seg);
	if (len == 0)
		return;
	struct ipv4_view ip2;
	struct tcp_segment seg2;
	assert(ipv4_parse(out, len, &ip2) == SYNQ_DROP_NONE);
	assert(tcp_parse(&ip2, &seg2, true) == SYNQ_DROP_NONE);
	assert(seg2.seq == seg->seq && seg2.ack == seg->ack);
	assert(seg2.flags == seg->flags && seg2.window == seg->window);
	assert(seg2.payload_len == seg->payload_len);
	assert(memcmp(seg2.payload, seg->payload, seg->payload_len) == 0);
	assert(seg2.opt.has_mss == seg->opt.has_mss);
	assert(!seg->opt.has_mss || seg2.opt.mss == seg->opt.mss);
	assert(seg2.opt.has_timestamp == seg->opt.has_timestamp);
	assert(!seg->opt.has_timestamp || seg2.opt.tsval == seg->opt.tsval);
	assert(seg2.opt.sack_permitted == seg->opt.sack_permitted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipv4_view ip;
	if (ipv4_parse(data, size, &ip) != SYNQ_DROP_NONE)
		return 0;
	assert(ip.payload + ip.payload_len <= data + size);
	if (ip.protocol != IPV4_PROTO_TCP)
		return 0;
	struct tcp_segment seg;
	/* Both with and without the checksum: the fuzzer rarely gets it right. */
	if (tcp_parse(&ip, &seg, true) != SYNQ_DROP_NONE &&
	    tcp_parse(&ip, &seg, false) != SYNQ_DROP_NONE)
		return 0;
	assert(seg.payload + seg.payload_len <= data + size);
	assert(seg.opt.sack_count <= TCP_SACK_BLOCKS_MAX);
	check_round_trip(&ip, &seg);
	return 0;
}

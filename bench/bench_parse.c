/* SPDX-License-Identifier: BSD-2-Clause */
/* parse_pkts_per_s: IPv4 + TCP + options parse, checksums verified, of a
 * typical SYN (MSS, SACK-permitted, timestamps, window scale). */
#include <stdint.h>

#include "bench.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"

#define DISTINCT 64
#define ROUNDS 5
#define PARSES_PER_ROUND 20000000

int main(void)
{
	static uint8_t pkts[DISTINCT][64];
	size_t lens[DISTINCT];
	for (int i = 0; i < DISTINCT; i++) {
		struct ipv4_fields ipf = { .src_addr = 0xc0000200u + (uint32_t)i,
		                           .dst_addr = 0xc0a80001, .ttl = 64,
		                           .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
		struct tcp_segment syn = {
			.src_port = (uint16_t)(40000 + i), .dst_port = 8080,
			.seq = 0x9e3779b9u * (uint32_t)i, .flags = TCP_SYN, .window = 64240,
			.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
			         .has_timestamp = true, .tsval = (uint32_t)i * 1000,
			         .has_wscale = true, .wscale = 7 },
		};
		lens[i] = tcp_segment_emit(pkts[i], sizeof pkts[i], &ipf, &syn);
	}

	double rates[ROUNDS];
	uint64_t check = 0;
	for (int r = 0; r < ROUNDS; r++) {
		double start = bench_now_s();
		for (int n = 0; n < PARSES_PER_ROUND; n++) {
			int i = n & (DISTINCT - 1);
			struct ipv4_view ip;
			struct tcp_segment seg;
			if (ipv4_parse(pkts[i], lens[i], &ip) != SYNQ_DROP_NONE ||
			    tcp_parse(&ip, &seg, true) != SYNQ_DROP_NONE) {
				fprintf(stderr, "bench_parse: valid SYN rejected\n");
				return 1;
			}
			check += seg.opt.mss + seg.src_port;
		}
		rates[r] = PARSES_PER_ROUND / (bench_now_s() - start);
	}
	if (check != (uint64_t)ROUNDS * PARSES_PER_ROUND * 1460 +
	             (uint64_t)ROUNDS * (PARSES_PER_ROUND / DISTINCT) *
	             (DISTINCT * 40000 + DISTINCT * (DISTINCT - 1) / 2)) {
		fprintf(stderr, "bench_parse: checksum of results differs\n");
		return 1;
	}
	double median = bench_median(rates, ROUNDS);
	printf("parse: %.1f ns per 60-byte SYN (median of %d x %d)\n", 1e9 / median,
	       ROUNDS, PARSES_PER_ROUND);
	bench_line("parse_pkts_per_s", median, "pkts/s");
	return 0;
}

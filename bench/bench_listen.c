/* SPDX-License-Identifier: BSD-2-Clause */
/* The listen path's speed, one core:
 *   cookie_synack_per_s  a SYN datagram in, a cookie SYN-ACK datagram out,
 *                        through the whole stack (IPv4 and TCP parse with
 *                        checksums, listener lookup, cookie, SYN-ACK build
 *                        with checksums), tcp_syncookies=2;
 *   request_synack_per_s the same with a request object kept per SYN
 *                        (cookies off, a backlog large enough), for contrast.
 * The kernel's figure on this machine class, ~260 000 SYN/s per core, was
 * measured apart with a tc-BPF drop program, which the bench does not
 * build. */
#include <stdint.h>
#include <string.h>

#include "bench.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/socket.h"
#include "synq/stack.h"

#define DISTINCT 1024
#ifndef ROUNDS
#define ROUNDS 5
#endif
#ifndef SYNS_PER_ROUND
#define SYNS_PER_ROUND 2000000
#endif

struct sink {
	uint64_t packets;
	uint64_t bytes;
};

static void count_output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct sink *k = ctx;
	(void)pkt;
	k->packets++;
	k->bytes += len;
}

static size_t make_syn(uint8_t *buf, uint32_t i)
{
	struct ipv4_fields ipf = { .src_addr = 0xc6120000u + (i & 0xffff),
	                           .dst_addr = 0x0a000001u, .ttl = 64,
	                           .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
	struct tcp_segment syn = {
		.src_port = (uint16_t)(1024 + i * 7919 % 60000), .dst_port = 80,
		.seq = i * 2654435761u, .flags = TCP_SYN, .window = 64240,
		.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
		         .has_timestamp = true, .tsval = i, .has_wscale = true, .wscale = 7 },
	};
	return tcp_segment_emit(buf, 80, &ipf, &syn);
}

static double run(int syncookies, uint32_t requests)
{
	static uint8_t syns[DISTINCT][80];
	static size_t lens[DISTINCT];
	for (uint32_t i = 0; i < DISTINCT; i++)
		lens[i] = make_syn(syns[i], i);
	double rates[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		struct synq_config cfg;
		synq_config_default(&cfg);
		cfg.tcp_syncookies = syncookies;
		cfg.max_requests = requests;
		cfg.somaxconn = 1 << 24;
		cfg.tcp_max_syn_backlog = 1 << 30;
		struct sink k = { 0 };
		struct synq_stack_io io = { .output = count_output, .ctx = &k };
		struct synq_stack *s;
		if (synq_stack_new(&s, &cfg, 0x0a000001u, 1, &io) != 0)
			return 0;
		int fd = synq_socket(s, AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(80) };
		synq_bind(s, fd, (struct sockaddr *)&sin, sizeof sin);
		synq_listen(s, fd, -1); /* somaxconn */
		uint32_t n = syncookies ? SYNS_PER_ROUND : requests;
		synq_time_t now = SYNQ_SEC(1);
		double start = bench_now_s();
		for (uint32_t i = 0; i < n; i++) {
			uint32_t j = i % DISTINCT;
			/* Distinct tuples for the request case. */
			if (!syncookies) {
				lens[j] = make_syn(syns[j], i);
			}
			synq_stack_input(s, syns[j], lens[j], now);
			now += 100;
		}
		double t = bench_now_s() - start;
		if (k.packets != n) {
			fprintf(stderr, "bench_listen: %llu SYN-ACKs for %u SYNs\n",
			        (unsigned long long)k.packets, n);
			synq_stack_free(s);
			return 0;
		}
		rates[r] = n / t;
		synq_stack_free(s);
	}
	return bench_median(rates, ROUNDS);
}

int main(void)
{
	double cookie = run(2, 4096);
#ifdef BENCH_COOKIE_ONLY
	double request = cookie;
#else
	double request = run(0, 500000);
#endif
	if (cookie == 0 || request == 0)
		return 1;
	printf("listen: %.0f ns per SYN answered with a cookie, %.0f ns with a request kept\n",
	       1e9 / cookie, 1e9 / request);
	bench_line_vs("cookie_synack_per_s", cookie, "syns/s", "request_synack_per_s", request);
	bench_line("request_synack_per_s", request, "syns/s");
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* conntrack_bytes_per_entry: the table's memory per entry (the entry and
 * its share of the index's slots), shown against the kernel's own object
 * (object_size of the nf_conntrack slab cache) where this machine has it.
 *
 * conntrack_pkts_per_s: packets of established flows tracked (found from
 * either direction, state moved, timeout renewed) per second, one core,
 * 65 536 entries, alternating directions over 50 000 flows: tracking alone.
 *
 * nat_pkts_per_s: the same packets as whole IPv4 datagrams through
 * nat_packet(): parsed, tracked, and translated (masquerade: source
 * rewritten on the way out, destination on the way back, both checksums
 * patched), shown as a ratio to tracking alone. Each datagram is copied
 * from its template first, as a packet arriving in a buffer would be: the
 * 100 000 templates (4 MB) are read in the same scattered order as the
 * flows, so the copy costs a cache miss of its own, and the table (65 536
 * entries, 50 000 in use) is far larger than this machine's L2 cache. One
 * packet at a time, as the simulator's forward hook passes them: nothing
 * is prefetched. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ip/byteorder.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "nat/nat.h"

#define MAX 65536u
#define FLOWS 50000u
#define ROUNDS 5

/* Packets a round: 20 million, or BENCH_NAT_PACKETS (a shorter run under
 * callgrind counts instructions a packet). */
static uint32_t packets = 20000000u;

static struct ct_tuple flow(uint32_t i)
{
	return (struct ct_tuple){ .src = 0x0a000000u + i, .dst = 0xc0a80101u,
	                          .sport = (uint16_t)(1024 + i % 60000), .dport = 443 };
}

static struct ct_tuple reply(struct ct_tuple t)
{
	return (struct ct_tuple){ .src = t.dst, .dst = t.src, .sport = t.dport, .dport = t.sport };
}

/* The kernel's slab cache of conntrack entries: "nf_conntrack" today,
 * "nf_conntrack_<address>" per namespace on kernels before 4.7; not the
 * expectations' cache. 0 when none is readable. */
static long kernel_object_size(void)
{
	glob_t g;
	long size = 0;
	if (glob("/sys/kernel/slab/nf_conntrack*/object_size", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && size == 0; i++) {
		if (strstr(g.gl_pathv[i], "expect"))
			continue;
		FILE *f = fopen(g.gl_pathv[i], "r");
		if (f) {
			if (fscanf(f, "%ld", &size) != 1)
				size = 0;
			fclose(f);
		}
	}
	globfree(&g);
	return size;
}

enum { DGRAM = 40 };
#define PUBLIC_ADDR 0xcb007101u

static size_t datagram(uint8_t *buf, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                       uint8_t flags)
{
	struct ipv4_fields ipf = { .src_addr = src, .dst_addr = dst, .ttl = 64,
		                   .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
	struct tcp_segment seg = { .src_port = sport, .dst_port = dport, .seq = 1, .ack = 1,
		                   .flags = flags, .window = 1000 };
	return tcp_segment_emit(buf, DGRAM, &ipf, &seg);
}

/* Masqueraded flows from 10.0.0.0/8 to one server: out, back, out ... */
static int bench_translation(double tracking)
{
	struct nat_config nc = { .public_addr = PUBLIC_ADDR, .inside_net = 0x0a000000u,
		                 .inside_mask = 0xff000000u };
	struct ct_config cc;
	ct_config_linux(&cc, MAX);
	struct nat *n = calloc(1, sizeof *n);
	uint8_t(*out)[DGRAM] = malloc(FLOWS * sizeof *out);
	uint8_t(*back)[DGRAM] = malloc(FLOWS * sizeof *back);
	if (n == NULL || out == NULL || back == NULL || nat_init(n, &nc, &cc) != 0) {
		fprintf(stderr, "bench_nat: out of memory\n");
		return 1;
	}
	uint8_t pkt[DGRAM], reply[NAT_REPLY_MAX];
	size_t reply_len;
	synq_time_t now = SYNQ_SEC(1);
	for (uint32_t i = 0; i < FLOWS; i++) {
		struct ct_tuple k = flow(i);
		datagram(pkt, k.src, k.sport, k.dst, k.dport, 0x02);
		nat_packet(n, pkt, DGRAM, now, reply, &reply_len);
		uint16_t port = load_be16(pkt + 20); /* the public port it got */
		datagram(pkt, k.dst, k.dport, PUBLIC_ADDR, port, 0x12);
		nat_packet(n, pkt, DGRAM, now, reply, &reply_len);
		datagram(out[i], k.src, k.sport, k.dst, k.dport, 0x10);
		datagram(back[i], k.dst, k.dport, PUBLIC_ADDR, port, 0x10);
		memcpy(pkt, out[i], DGRAM);
		nat_packet(n, pkt, DGRAM, now, reply, &reply_len);
	}
	double rate[ROUNDS];
	uint64_t untranslated = 0;
	for (int round = 0; round < ROUNDS; round++) {
		double t0 = bench_now_s();
		for (uint32_t p = 0; p < packets; p++) {
			uint32_t i = (p * 2654435761u) % FLOWS;
			memcpy(pkt, p & 1 ? back[i] : out[i], DGRAM);
			now += 50;
			if (nat_packet(n, pkt, DGRAM, now, reply, &reply_len) != NAT_PASS ||
			    load_be32(pkt + (p & 1 ? 16 : 12)) == (p & 1 ? PUBLIC_ADDR : flow(i).src))
				untranslated++;
		}
		rate[round] = packets / (bench_now_s() - t0);
	}
	nat_free(n);
	free(n);
	free(out);
	free(back);
	if (untranslated) {
		fprintf(stderr, "bench_nat: %llu packets not translated\n",
		        (unsigned long long)untranslated);
		return 1;
	}
	bench_line_vs("nat_pkts_per_s", bench_median(rate, ROUNDS), "pkts/s",
	              "conntrack_pkts_per_s", tracking);
	return 0;
}

int main(void)
{
	const char *count = getenv("BENCH_NAT_PACKETS");
	if (count && atol(count) > 0)
		packets = (uint32_t)atol(count);
	struct ct_config cfg;
	ct_config_linux(&cfg, MAX);
	struct ct_table t;
	if (ct_table_init(&t, &cfg)) {
		fprintf(stderr, "bench_nat: out of memory\n");
		return 1;
	}
	double per_entry = (double)sizeof(struct ct_entry) +
	                   (double)t.nslots * sizeof *t.slot / (double)MAX;
	long kernel = kernel_object_size();
	if (kernel > 0)
		bench_line_vs("conntrack_bytes_per_entry", per_entry, "bytes",
		              "kernel_nf_conntrack_object_bytes", (double)kernel);
	else
		bench_line("conntrack_bytes_per_entry", per_entry, "bytes");
	if (kernel > 0)
		bench_line("kernel_nf_conntrack_object_bytes", (double)kernel, "bytes");

	synq_time_t now = SYNQ_SEC(1);
	struct ct_entry *e;
	enum ct_dir d;
	for (uint32_t i = 0; i < FLOWS; i++) {
		struct ct_tuple k = flow(i), r = reply(k);
		ct_track(&t, &k, 0x02, now, &e, &d);
		ct_track(&t, &r, 0x12, now, &e, &d);
		ct_track(&t, &k, 0x10, now, &e, &d);
	}
	double rate[ROUNDS];
	uint64_t bad = 0;
	for (int round = 0; round < ROUNDS; round++) {
		double t0 = bench_now_s();
		for (uint32_t p = 0; p < packets; p++) {
			struct ct_tuple k = flow((p * 2654435761u) % FLOWS);
			if (p & 1)
				k = reply(k);
			now += 50;
			bad += ct_track(&t, &k, 0x10, now, &e, &d) != CT_ACCEPT;
		}
		rate[round] = packets / (bench_now_s() - t0);
	}
	if (bad) {
		fprintf(stderr, "bench_nat: %llu packets not accepted\n", (unsigned long long)bad);
		return 1;
	}
	printf("bench_nat: %u flows in a table of %u, %u packets a round, median of %d\n", FLOWS,
	       MAX, packets, ROUNDS);
	double tracking = bench_median(rate, ROUNDS);
	bench_line("conntrack_pkts_per_s", tracking, "pkts/s");
	ct_table_free(&t);
	return bench_translation(tracking);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* synq conntrack: replay a packet list through the connection-tracking
 * table and print what it holds at the end, as `conntrack -L` would.
 *
 *   synq conntrack [--profile linux|whr-g54s] [--max N] [--now T]
 *                  [--masquerade PUBLIC --inside NET/LEN [--forward P=ADDR:PORT]...] FILE
 *
 * FILE (or - for standard input) has one TCP packet per line, as the
 * router saw it before translation:
 *   TIME SRC SPORT DST DPORT FLAGS
 * TIME in seconds (any origin), addresses dotted, FLAGS the TCP flags byte
 * in hex (tshark's tcp.flags: 0x0002 is a SYN). `tshark -T fields -e
 * frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e
 * tcp.flags` writes exactly that. --now: the instant of the listing (default
 * the last packet's); later packets are not replayed. A bad line is one
 * error naming the file and line.
 *
 * With --masquerade, the router also translates (src/nat/nat.c): hosts in
 * --inside leave with address PUBLIC. FILE then holds the packets as they
 * arrive at the router from either side (the inside's before translation,
 * the outside's answers to PUBLIC), and the listing shows each entry's
 * reply tuple too, as conntrack -L does: the port masquerade chose.
 * --forward sends connections to PUBLIC port P on to ADDR:PORT inside
 * (DNAT). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "nat/nat.h"

#define CMD "conntrack"

static void usage(FILE *out)
{
	fprintf(out, "usage: synq conntrack [--profile linux|whr-g54s] [--max N] [--now T]\n"
	             "                      [--masquerade PUBLIC --inside NET/LEN\n"
	             "                       [--forward PORT=ADDR:PORT]...] FILE\n"
	             "Replays TCP packets (TIME SRC SPORT DST DPORT FLAGS per line) through\n"
	             "nf_conntrack's TCP tracking (and masquerade) and lists the table as\n"
	             "conntrack -L does.\n");
}

static int parse_time(const char *v, double *out)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end != '\0' || !(d >= 0) || (v[0] < '0' || v[0] > '9'))
		return -1;
	*out = d;
	return 0;
}

static void print_tuple(const struct ct_tuple *k)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	uint32_t ns = htonl(k->src), nd = htonl(k->dst);
	inet_ntop(AF_INET, &ns, s, sizeof s);
	inet_ntop(AF_INET, &nd, d, sizeof d);
	printf(" src=%s dst=%s sport=%u dport=%u", s, d, k->sport, k->dport);
}

static void list(struct ct_table *t, synq_time_t now, bool with_reply)
{
	for (uint32_t i = 0; i < t->cfg.max; i++) {
		const struct ct_entry *e = &t->e[i];
		if (!e->used || e->expires <= now)
			continue;
		long left = (long)((e->expires - now) / 1000000000);
		printf("tcp      6 %ld %s", left, ct_state_name((enum ct_state)e->state));
		print_tuple(&e->orig);
		if (!e->seen_reply)
			printf(" [UNREPLIED]");
		if (with_reply)
			print_tuple(&e->reply);
		printf("%s\n", e->assured ? " [ASSURED]" : "");
	}
}

/* "8080=10.0.0.2:80" */
static int parse_forward(const char *v, struct nat_forward *f)
{
	char addr[32];
	unsigned pub, port;
	int used = 0;
	if (sscanf(v, "%u=%31[0-9.]:%u%n", &pub, addr, &port, &used) != 3 || v[used] != '\0' ||
	    pub == 0 || pub > 65535 || port == 0 || port > 65535 ||
	    !ipv4_addr_parse(addr, &f->inside_addr))
		return -1;
	f->public_port = (uint16_t)pub;
	f->inside_port = (uint16_t)port;
	return 0;
}

/* "10.0.0.0/8" */
static int parse_net(const char *v, uint32_t *net, uint32_t *mask)
{
	char buf[32];
	const char *slash = strchr(v, '/');
	if (slash == NULL || (size_t)(slash - v) >= sizeof buf)
		return -1;
	memcpy(buf, v, (size_t)(slash - v));
	buf[slash - v] = '\0';
	char *end;
	unsigned long len = strtoul(slash + 1, &end, 10);
	if (!ipv4_addr_parse(buf, net) || *end != '\0' || slash[1] == '\0' || len > 32)
		return -1;
	*mask = len ? ~0u << (32 - len) : 0;
	*net &= *mask;
	return 0;
}

int cli_conntrack(int argc, char **argv)
{
	struct ct_config cfg;
	ct_config_linux(&cfg, 65536);
	const char *path = NULL;
	double now_s = -1;
	uint64_t max = 0;
	struct nat_config nc = { 0 };
	bool masquerade = false, inside = false;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_EXIT_OK;
		} else if (cli_option_match(argc, argv, &i, CMD, "--profile", &v)) {
			if (v && !strcmp(v, "linux"))
				ct_config_linux(&cfg, cfg.max);
			else if (v && !strcmp(v, "whr-g54s"))
				ct_config_whr_g54s(&cfg);
			else {
				fprintf(stderr, "synq conntrack: --profile is linux or whr-g54s\n");
				return CLI_EXIT_USAGE;
			}
		} else if (cli_option_match(argc, argv, &i, CMD, "--max", &v)) {
			if (v == NULL || !cli_parse_u64(CMD, "--max", v, &max))
				return CLI_EXIT_USAGE;
		} else if (cli_option_match(argc, argv, &i, CMD, "--now", &v)) {
			if (v == NULL || parse_time(v, &now_s)) {
				fprintf(stderr, "synq conntrack: --now wants seconds\n");
				return CLI_EXIT_USAGE;
			}
		} else if (cli_option_match(argc, argv, &i, CMD, "--masquerade", &v)) {
			if (v == NULL || !ipv4_addr_parse(v, &nc.public_addr)) {
				fprintf(stderr, "synq conntrack: --masquerade wants an address\n");
				return CLI_EXIT_USAGE;
			}
			masquerade = true;
		} else if (cli_option_match(argc, argv, &i, CMD, "--inside", &v)) {
			if (v == NULL || parse_net(v, &nc.inside_net, &nc.inside_mask)) {
				fprintf(stderr, "synq conntrack: --inside wants NET/LEN, as 10.0.0.0/8\n");
				return CLI_EXIT_USAGE;
			}
			inside = true;
		} else if (cli_option_match(argc, argv, &i, CMD, "--forward", &v)) {
			if (v == NULL || nc.n_forwards == NAT_FORWARDS_MAX ||
			    parse_forward(v, &nc.forward[nc.n_forwards])) {
				fprintf(stderr, "synq conntrack: --forward wants PORT=ADDR:PORT "
				                "(at most %d)\n", NAT_FORWARDS_MAX);
				return CLI_EXIT_USAGE;
			}
			nc.n_forwards++;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "synq conntrack: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return CLI_EXIT_USAGE;
		} else if (path == NULL) {
			path = argv[i];
		} else {
			fprintf(stderr, "synq conntrack: one file, not '%s'\n", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (masquerade != inside || (nc.n_forwards && !masquerade)) {
		fprintf(stderr, "synq conntrack: --masquerade and --inside go together, and "
		                "--forward with them\n");
		return CLI_EXIT_USAGE;
	}
	if (max) {
		char n[24];
		snprintf(n, sizeof n, "%llu", (unsigned long long)max);
		if (ct_config_set(&cfg, "net.netfilter.nf_conntrack_max", n)) {
			fprintf(stderr, "synq conntrack: --max must be 1..268435456\n");
			return CLI_EXIT_USAGE;
		}
	}
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (f == NULL) {
		fprintf(stderr, "synq conntrack: %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	struct nat n;
	struct ct_table *t = &n.ct;
	if (nat_init(&n, &nc, &cfg)) {
		fprintf(stderr, "synq conntrack: out of memory\n");
		if (f != stdin)
			fclose(f);
		return CLI_EXIT_FAILURE;
	}
	char line[512];
	int lineno = 0, rc = CLI_EXIT_OK;
	synq_time_t last = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char src[64], dst[64], flags[32];
		double ts;
		unsigned sport, dport;
		struct in_addr a, b;
		char *end;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (sscanf(line, "%lf %63s %u %63s %u %31s", &ts, src, &sport, dst, &dport, flags) != 6 ||
		    inet_pton(AF_INET, src, &a) != 1 || inet_pton(AF_INET, dst, &b) != 1 ||
		    sport > 65535 || dport > 65535 || !(ts >= 0)) {
			fprintf(stderr, "synq conntrack: %s:%d: expected TIME SRC SPORT DST DPORT FLAGS\n",
			        path, lineno);
			rc = CLI_EXIT_USAGE;
			break;
		}
		unsigned long fl = strtoul(flags, &end, 16);
		if (*end != '\0' || fl > 0xfff) {
			fprintf(stderr, "synq conntrack: %s:%d: flags '%s' are not hex\n", path, lineno,
			        flags);
			rc = CLI_EXIT_USAGE;
			break;
		}
		synq_time_t now = (synq_time_t)llround(ts * 1e9);
		if (now_s >= 0 && ts > now_s)
			break; /* the listing is of the table at --now */
		if (now < last)
			now = last;
		last = now;
		struct ct_tuple k = { .src = ntohl(a.s_addr), .dst = ntohl(b.s_addr),
		                      .sport = (uint16_t)sport, .dport = (uint16_t)dport };
		if (masquerade) {
			uint8_t pkt[64], reply[NAT_REPLY_MAX];
			size_t reply_len;
			struct ipv4_fields ipf = { .src_addr = k.src, .dst_addr = k.dst, .ttl = 64,
				                   .protocol = IPV4_PROTO_TCP };
			struct tcp_segment seg = { .src_port = k.sport, .dst_port = k.dport,
				                   .flags = (uint8_t)fl };
			size_t len = tcp_segment_emit(pkt, sizeof pkt, &ipf, &seg);
			nat_packet(&n, pkt, len, now, reply, &reply_len);
		} else {
			struct ct_entry *e;
			enum ct_dir d;
			ct_track(t, &k, (uint8_t)fl, now, &e, &d);
		}
	}
	if (f != stdin)
		fclose(f);
	if (rc == CLI_EXIT_OK)
		list(t, now_s >= 0 ? (synq_time_t)llround(now_s * 1e9) : last, masquerade);
	nat_free(&n);
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Wireshark's view of synq's TCP: bulk transfers between two simulated
 * hosts, captured at both ends of the link, read back with tshark.
 *
 * What a capture at one end of a lossy link legitimately shows: the
 * sender's lost segments (captured as they leave, before the loss), their
 * retransmissions, duplicate ACKs and SACKs from the receiver, and, in the
 * other direction, gaps where the peer's lost segments never arrived
 * ("previous segment not captured"). Everything else Wireshark's TCP
 * analysis can flag would be a fault of the stack: malformed packets, bad
 * checksums, an ACK for data that was never sent, zero-window episodes
 * (both applications read eagerly), keep-alives, resets in a clean close,
 * reused ports, a datagram larger than the MTU, and any expert item of
 * severity error. Without loss there must be no retransmission at all.
 * A capture that shows loss-related kinds only because no loss happened
 * would prove little: the lossy run must show retransmissions and gaps.
 *
 * SYNQ_KEEP_PCAP=1 keeps the captures for a look in Wireshark.
 * Without tshark the tests are skipped, saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synq/pcap.h"
#include "tshark_run.h"
#include "synq/sim.h"
#include "tcp_pair.h"

#define OUTPUT_MAX (1 << 20)
#define MTU 1500

/* Checksums checked; the payload, an opaque byte stream, decoded as data
 * (on port 8080 Wireshark would read it as HTTP and call it malformed). */
#define CHECK_OPTS                                                              \
	"-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -d tcp.port==8080,data"
/* Anything Wireshark considers broken (the foundation issue's filter). */
#define BAD_FILTER                                                              \
	"_ws.malformed || tcp.checksum.status == \"Bad\" || "                   \
	"ip.checksum.status == \"Bad\" || _ws.expert.severity == error"
/* TCP analysis results that no capture of a working transfer shows, with
 * or without loss. Both applications read as soon as data arrives, so the
 * receiver never closes its window, nor lets the sender fill it
 * (window_full would mean the receive buffer, not the network, limits
 * the transfer). */
#define UNEXPECTED_FILTER                                                       \
	"tcp.analysis.ack_lost_segment || tcp.analysis.zero_window || "        \
	"tcp.analysis.zero_window_probe || tcp.analysis.zero_window_probe_ack || " \
	"tcp.analysis.keep_alive || tcp.analysis.keep_alive_ack || "            \
	"tcp.analysis.reused_ports || tcp.analysis.window_full || "             \
	"tcp.connection.rst || tcp.flags.urg == 1 || ip.flags.mf == 1"
/* The loss-related kinds, and anything of severity warning or above
 * that is none of them. */
#define LOSS_KINDS                                                              \
	"tcp.analysis.retransmission || tcp.analysis.fast_retransmission || "   \
	"tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order || " \
	"tcp.analysis.lost_segment"
#define OTHER_WARNINGS_FILTER                                                   \
	"(_ws.expert.severity == warning || _ws.expert.severity == error) && "   \
	"!(" LOSS_KINDS ")"

struct ctx {
	char dir[64];
	char pcap[2][128];   /* client end, server end */
	char err[128];
	char *out;
};

static int ctx_setup(void **state)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->out = malloc(OUTPUT_MAX);
	strcpy(c->dir, "/tmp/synq-test-tcp-tshark-XXXXXX");
	if (!c->out || !mkdtemp(c->dir)) {
		free(c->out);
		free(c);
		return -1;
	}
	snprintf(c->pcap[0], sizeof c->pcap[0], "%s/client-end.pcap", c->dir);
	snprintf(c->pcap[1], sizeof c->pcap[1], "%s/server-end.pcap", c->dir);
	snprintf(c->err, sizeof c->err, "%s/stderr", c->dir);
	*state = c;
	return 0;
}

static int ctx_teardown(void **state)
{
	struct ctx *c = *state;
	if (getenv("SYNQ_KEEP_PCAP") == NULL) {
		unlink(c->pcap[0]);
		unlink(c->pcap[1]);
		unlink(c->err);
		rmdir(c->dir);
	} else {
		fprintf(stderr, "captures kept in %s\n", c->dir);
	}
	free(c->out);
	free(c);
	return 0;
}

/* tshark_run() without name resolution, output into c->out. */
static int tshark(struct ctx *c, const char *pcap, const char *args)
{
	size_t len = strlen(args) + 4;
	char *numeric = malloc(len);
	assert_non_null(numeric);
	snprintf(numeric, len, "-n %s", args);
	int lines = tshark_run(pcap, numeric, c->out, OUTPUT_MAX, c->err);
	free(numeric);
	return lines;
}

/* counts[i] = the packets matching filters[i] (no commas in them), all in
 * one pass of tshark's io,stat. */
static void tshark_counts(struct ctx *c, const char *pcap, const char *const *filters,
                          int n, long *counts)
{
	char args[8192];
	size_t len = (size_t)snprintf(args, sizeof args, CHECK_OPTS " -q -z 'io,stat,0");
	for (int i = 0; i < n; i++) {
		assert_null(strchr(filters[i], ','));
		len += (size_t)snprintf(args + len, sizeof args - len,
		                        ",COUNT(frame)frame && (%s)", filters[i]);
		assert_true(len < sizeof args - 2);
	}
	strcat(args, "'");
	tshark(c, pcap, args);
	/* The one interval's row: "| 0.000 <> 2.696 |  4925 |    22 | ..." */
	const char *p = strstr(c->out, "<>");
	if (p == NULL)
		fail_msg("no io,stat table in tshark's output:\n%s", c->out);
	for (int i = 0; i < n; i++) {
		p = strchr(p, '|');
		assert_non_null(p);
		char *end;
		counts[i] = strtol(p + 1, &end, 10);
		assert_true(end != p + 1);
		p = end;
	}
}

/* Fail, listing the first packets, if count is not zero. */
static void expect_none(struct ctx *c, const char *pcap, long count, const char *what,
                        const char *filter)
{
	if (count == 0)
		return;
	char args[1024];
	snprintf(args, sizeof args, CHECK_OPTS " -Y '%s'", filter);
	tshark(c, pcap, args);
	if (strlen(c->out) > 2000)
		strcpy(c->out + 2000, "\n...\n");
	fprintf(stderr, "%s: %ld packet(s) with %s (%s):\n%s", pcap, count, what, filter,
	        c->out);
	fail_msg("%ld packet(s) with %s", count, what);
}

struct capture_result {
	uint64_t records[2];
};

/* 2 MB each way (or `bytes`) between two synq hosts, 50 ms RTT, captured
 * at both ends of the link; the transfer must complete byte-exact. */
static void capture_transfer(struct ctx *c, uint64_t bytes, double loss, uint64_t seed,
                             struct capture_result *res)
{
	struct pair p;
	struct pair_config cfg = {
		.seed = seed, .one_way_delay = SYNQ_MSEC(25), .rate_bps = 100000000,
		.loss = loss, .client_bytes = bytes, .server_bytes = bytes,
		.client_closes_first = true, .stack = NULL,
	};
	assert_int_equal(pair_setup(&p, &cfg), 0);
	struct synq_pcap *pcap[2];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(synq_pcap_open(c->pcap[i], &pcap[i]), 0);
		sim_link_capture(p.link, i == 0 ? SIM_LINK_A : SIM_LINK_B, pcap[i]);
	}
	synq_time_t end = pair_run(&p, SYNQ_SEC(600));
	assert_int_equal(p.client.error, 0);
	assert_int_equal(p.server.error, 0);
	assert_int_equal(p.client.connect_result, 0);
	assert_true(p.client.closed && p.server.closed);
	assert_int_equal(p.server.received, bytes);
	assert_int_equal(p.client.received, bytes);
	assert_true(p.server.hash == pair_expected_hash(bytes, PAIR_CLIENT_SALT));
	assert_true(p.client.hash == pair_expected_hash(bytes, PAIR_SERVER_SALT));
	/* The last ACK of the close is on the wire by now: let it land, and
	 * the TIME-WAIT run out (nothing is sent during it). */
	sim_run_until(p.sim, sim_now(p.sim) + SYNQ_SEC(1));
	for (int i = 0; i < 2; i++)
		res->records[i] = synq_pcap_records(pcap[i]);
	pair_teardown(&p);
	for (int i = 0; i < 2; i++)
		assert_int_equal(synq_pcap_close(pcap[i]), 0);
	print_message("    %llu bytes each way, loss %.0f%%: done at %.3f s, %llu + %llu "
	              "records captured\n", (unsigned long long)bytes, loss * 100,
	              (double)end / 1e9, (unsigned long long)res->records[0],
	              (unsigned long long)res->records[1]);
}

enum check {
	C_ALL,
	C_IPV4_TCP,
	C_BAD,
	C_UNEXPECTED,
	C_OTHER_WARNINGS,
	C_LOST_NEAR,
	C_SYN,
	C_FIN,
	C_OVER_MTU,
	C_RETRANSMISSIONS,
	C_LOSS_SYMPTOMS,
	C_WARNINGS,
	/* for the log */
	C_RETRANSMISSION,
	C_FAST_RETRANSMISSION,
	C_SPURIOUS,
	C_OUT_OF_ORDER,
	C_LOST_SEGMENT,
	C_DUP_ACK,
	C_SACK,
	C_WINDOW_UPDATE,
	C__COUNT
};

struct capture_checks {
	const char *filter[C__COUNT];
	long count[C__COUNT];
	char lost_near[64];
	char over_mtu[32];
};

/* Every count a capture is judged by, in one tshark pass; near is the
 * address of the host at the capture point. */
static void count_capture(struct ctx *c, const char *pcap, const char *near,
                          struct capture_checks *k)
{
	/* Everything the near host sent was captured as it left: a gap can
	 * only be in what the far host sent. */
	snprintf(k->lost_near, sizeof k->lost_near, "tcp.analysis.lost_segment && ip.src == %s",
	         near);
	snprintf(k->over_mtu, sizeof k->over_mtu, "ip.len > %d", MTU);
	const char *f[C__COUNT] = {
		[C_ALL] = "frame",
		[C_IPV4_TCP] = "ip.version == 4 && tcp",
		[C_BAD] = BAD_FILTER,
		[C_UNEXPECTED] = UNEXPECTED_FILTER,
		[C_OTHER_WARNINGS] = OTHER_WARNINGS_FILTER,
		[C_LOST_NEAR] = k->lost_near,
		[C_SYN] = "tcp.flags.syn == 1",
		[C_FIN] = "tcp.flags.fin == 1 && !tcp.analysis.retransmission",
		[C_OVER_MTU] = k->over_mtu,
		[C_RETRANSMISSIONS] = "tcp.analysis.retransmission || "
		                      "tcp.analysis.fast_retransmission || "
		                      "tcp.analysis.spurious_retransmission",
		[C_LOSS_SYMPTOMS] = "tcp.analysis.lost_segment || tcp.analysis.out_of_order || "
		                    "tcp.analysis.duplicate_ack || tcp.options.sack_le",
		[C_WARNINGS] = "_ws.expert.severity == warning",
		[C_RETRANSMISSION] = "tcp.analysis.retransmission",
		[C_FAST_RETRANSMISSION] = "tcp.analysis.fast_retransmission",
		[C_SPURIOUS] = "tcp.analysis.spurious_retransmission",
		[C_OUT_OF_ORDER] = "tcp.analysis.out_of_order",
		[C_LOST_SEGMENT] = "tcp.analysis.lost_segment",
		[C_DUP_ACK] = "tcp.analysis.duplicate_ack",
		[C_SACK] = "tcp.options.sack_le",
		[C_WINDOW_UPDATE] = "tcp.analysis.window_update",
	};
	memcpy(k->filter, f, sizeof f);
	tshark_counts(c, pcap, k->filter, C__COUNT, k->count);
	print_message("    %s: retransmission %ld, fast_retransmission %ld, spurious %ld, "
	              "out_of_order %ld, lost_segment %ld, duplicate_ack %ld, with SACK %ld, "
	              "window_update %ld\n", strrchr(pcap, '/') + 1, k->count[C_RETRANSMISSION],
	              k->count[C_FAST_RETRANSMISSION], k->count[C_SPURIOUS],
	              k->count[C_OUT_OF_ORDER], k->count[C_LOST_SEGMENT], k->count[C_DUP_ACK],
	              k->count[C_SACK], k->count[C_WINDOW_UPDATE]);
}

static void none(struct ctx *c, const char *pcap, const struct capture_checks *k,
                 enum check which, const char *what)
{
	expect_none(c, pcap, k->count[which], what, k->filter[which]);
}

/* The checks every capture passes, with loss or without. */
static void check_capture(struct ctx *c, const char *pcap, uint64_t records,
                          const struct capture_checks *k)
{
	/* tshark read every record, each as TCP over IPv4. */
	assert_int_equal(k->count[C_ALL], (long)records);
	assert_int_equal(k->count[C_IPV4_TCP], (long)records);
	none(c, pcap, k, C_BAD, "malformed, bad checksum or expert error");
	none(c, pcap, k, C_UNEXPECTED, "an unexpected TCP analysis result");
	none(c, pcap, k, C_OTHER_WARNINGS, "an expert warning not caused by loss");
	none(c, pcap, k, C_LOST_NEAR, "a gap in what the capturing host sent");
	/* One connection, opened and closed once each way. */
	assert_int_equal(k->count[C_SYN], 2);
	assert_int_equal(k->count[C_FIN], 2);
}

static const char *const near_addr[2] = { "10.0.0.1", "10.0.0.2" };

static void tshark_lossy_transfer_is_clean(void **state)
{
	struct ctx *c = *state;
	if (!tshark_available()) {
		fprintf(stderr, "skip: tshark not installed; TCP capture validation not run\n");
		skip();
	}
	struct capture_result res;
	capture_transfer(c, 2000000, 0.01, 21, &res);
	struct capture_checks k[2];
	for (int i = 0; i < 2; i++) {
		count_capture(c, c->pcap[i], near_addr[i], &k[i]);
		check_capture(c, c->pcap[i], res.records[i], &k[i]);
		/* The loss did happen, and was repaired by retransmission: the
		 * checks above were not passed by a clean run. */
		assert_true(k[i].count[C_RETRANSMISSIONS] > 0);
		assert_true(k[i].count[C_LOST_SEGMENT] > 0);
	}
	/* Data segments that also carry SACK blocks still fit the MTU: the
	 * send MSS leaves room for the SACK option (tcp_current_mss()). */
	for (int i = 0; i < 2; i++)
		none(c, c->pcap[i], &k[i], C_OVER_MTU, "a datagram larger than the MTU");
}

static void tshark_clean_transfer_has_no_retransmissions(void **state)
{
	struct ctx *c = *state;
	if (!tshark_available()) {
		fprintf(stderr, "skip: tshark not installed; TCP capture validation not run\n");
		skip();
	}
	struct capture_result res;
	capture_transfer(c, 2000000, 0, 22, &res);
	for (int i = 0; i < 2; i++) {
		struct capture_checks k;
		count_capture(c, c->pcap[i], near_addr[i], &k);
		check_capture(c, c->pcap[i], res.records[i], &k);
		none(c, c->pcap[i], &k, C_RETRANSMISSIONS, "a retransmission without loss");
		none(c, c->pcap[i], &k, C_LOSS_SYMPTOMS, "a loss symptom without loss");
		none(c, c->pcap[i], &k, C_WARNINGS, "an expert warning without loss");
		none(c, c->pcap[i], &k, C_OVER_MTU, "a datagram larger than the MTU");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tshark_lossy_transfer_is_clean, ctx_setup,
		                                ctx_teardown),
		cmocka_unit_test_setup_teardown(tshark_clean_transfer_has_no_retransmissions,
		                                ctx_setup, ctx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

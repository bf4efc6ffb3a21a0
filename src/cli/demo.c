/* SPDX-License-Identifier: BSD-2-Clause */
/* synq demo: a client and a server on either side of a router, the second
 * link lossy. The client opens with a SYN (MSS, SACK-permitted, timestamps,
 * window scale), retried after 1 s if unanswered; once answered it sends a
 * data segment every few milliseconds from its node timer (which moves the
 * same timer off the SYN deadline). The server answers each segment it
 * receives with an ACK that echoes the timestamp, so the client measures
 * round-trip times. Lost data is not retransmitted: this shows the
 * simulator, not TCP. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sim_run.h"
#include "ip/ipv4.h"
#include "ip/tcp_wire.h"
#include "synq/pcap.h"
#include "synq/sim.h"

#define DEMO_CLIENT_ADDR 0x0a000001u /* 10.0.0.1 */
#define DEMO_ROUTER_ADDR 0x0a0000feu /* 10.0.0.254 */
#define DEMO_SERVER_ADDR 0x0a000101u /* 10.0.1.1 */
#define DEMO_CLIENT_PORT 40000
#define DEMO_SERVER_PORT 80
#define DEMO_PAYLOAD_BYTES 1000
#define DEMO_INTERVAL_NS SYNQ_MSEC(5)
#define DEMO_PACKET_BYTES 1500
#define DEMO_SYN_TRIES 4

struct demo_options {
	uint64_t seed;
	double loss;
	uint64_t segments;
	const char *out;
};

struct demo_client {
	struct sim_node *node;
	uint64_t segments;     /* data segments to send */
	uint64_t sent;         /* segments sent, SYNs included */
	uint64_t data_sent;
	uint64_t acks;
	unsigned syn_tries;
	bool established;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t ts_recent;    /* the peer's last TSval, echoed in TSecr */
	uint16_t ip_id;
	synq_time_t rtt_min_ns;
	synq_time_t rtt_max_ns;
	synq_time_t rtt_sum_ns;
};

struct demo_server {
	uint64_t received;
	uint16_t ip_id;
};

static uint32_t usec_stamp(synq_time_t now)
{
	return (uint32_t)(now / 1000);
}

/* Build and send one segment from node; the caller fills seg's TCP fields. */
static void demo_send(struct sim_node *node, uint32_t dst_addr, uint16_t *ip_id,
                      struct tcp_segment *seg)
{
	uint8_t buf[DEMO_PACKET_BYTES];
	struct ipv4_fields ipf = {
		.src_addr = sim_node_addr(node), .dst_addr = dst_addr,
		.id = (*ip_id)++, .ttl = IPV4_DEFAULT_TTL,
		.protocol = IPV4_PROTO_TCP, .dont_fragment = true,
	};
	size_t len = tcp_segment_emit(buf, sizeof buf, &ipf, seg);
	if (len)
		sim_node_send(node, buf, len);
}

static void client_send_syn(struct demo_client *c, synq_time_t now)
{
	struct tcp_segment seg = {
		.src_port = DEMO_CLIENT_PORT, .dst_port = DEMO_SERVER_PORT,
		.seq = 0, .flags = TCP_SYN, .window = 64240,
		.opt = { .has_mss = true, .mss = 1460, .sack_permitted = true,
		         .has_timestamp = true, .tsval = usec_stamp(now),
		         .has_wscale = true, .wscale = 7 },
	};
	demo_send(c->node, DEMO_SERVER_ADDR, &c->ip_id, &seg);
	c->sent++;
	c->syn_tries++;
	/* Linux's initial RTO (TCP_TIMEOUT_INIT), no backoff: a demo. */
	sim_node_timer_set(c->node, now + SYNQ_SEC(1));
}

static void client_send_data(struct demo_client *c, synq_time_t now)
{
	static const uint8_t payload[DEMO_PAYLOAD_BYTES] = { 0 };
	struct tcp_segment seg = {
		.src_port = DEMO_CLIENT_PORT, .dst_port = DEMO_SERVER_PORT,
		.seq = c->snd_nxt, .ack = c->rcv_nxt, .flags = TCP_ACK | TCP_PSH,
		.window = 502, .payload = payload, .payload_len = DEMO_PAYLOAD_BYTES,
		.opt = { .has_timestamp = true, .tsval = usec_stamp(now),
		         .tsecr = c->ts_recent },
	};
	demo_send(c->node, DEMO_SERVER_ADDR, &c->ip_id, &seg);
	c->snd_nxt += DEMO_PAYLOAD_BYTES;
	c->sent++;
	c->data_sent++;
	if (c->data_sent < c->segments)
		sim_node_timer_set(c->node, now + DEMO_INTERVAL_NS);
}

static void client_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	(void)node;
	struct demo_client *c = ctx;
	if (c->established)
		client_send_data(c, now);
	else if (c->syn_tries < DEMO_SYN_TRIES)
		client_send_syn(c, now);
}

/* Parse a datagram the demo sent; false if it is not a valid TCP segment. */
static bool demo_parse(const uint8_t *pkt, size_t len, struct tcp_segment *seg)
{
	struct ipv4_view ip;
	return ipv4_parse(pkt, len, &ip) == SYNQ_DROP_NONE &&
	       ip.protocol == IPV4_PROTO_TCP &&
	       tcp_parse(&ip, seg, true) == SYNQ_DROP_NONE;
}

static void client_receive(void *ctx, struct sim_node *node, const uint8_t *pkt,
                           size_t len, synq_time_t now)
{
	(void)node;
	struct demo_client *c = ctx;
	struct tcp_segment seg;
	if (!demo_parse(pkt, len, &seg) || !(seg.flags & TCP_ACK) ||
	    !seg.opt.has_timestamp)
		return;
	synq_time_t rtt = now - (synq_time_t)seg.opt.tsecr * 1000;
	if (c->acks == 0 || rtt < c->rtt_min_ns)
		c->rtt_min_ns = rtt;
	if (rtt > c->rtt_max_ns)
		c->rtt_max_ns = rtt;
	c->rtt_sum_ns += rtt;
	c->acks++;
	c->ts_recent = seg.opt.tsval;
	if ((seg.flags & TCP_SYN) && !c->established) {
		c->established = true;
		c->snd_nxt = 1;
		c->rcv_nxt = seg.seq + 1;
		/* The first data segment goes now; this moves the timer off
		 * the SYN retransmission deadline. */
		if (c->segments)
			client_send_data(c, now);
		else
			sim_node_timer_set(c->node, SYNQ_TIME_NEVER);
	}
}

static void server_receive(void *ctx, struct sim_node *node, const uint8_t *pkt,
                           size_t len, synq_time_t now)
{
	struct demo_server *s = ctx;
	struct tcp_segment in;
	if (!demo_parse(pkt, len, &in))
		return;
	s->received++;
	struct tcp_segment out = {
		.src_port = in.dst_port, .dst_port = in.src_port,
		.seq = 1, .ack = in.seq + in.payload_len, .flags = TCP_ACK,
		.window = 501,
		.opt = { .has_timestamp = true, .tsval = usec_stamp(now),
		         .tsecr = in.opt.tsval },
	};
	if (in.flags & TCP_SYN) {
		out.seq = 0;
		out.ack = in.seq + 1;
		out.flags = TCP_SYN | TCP_ACK;
		out.window = 65160;
		out.opt.has_mss = true;
		out.opt.mss = 1460;
		out.opt.sack_permitted = in.opt.sack_permitted;
		out.opt.has_wscale = in.opt.has_wscale;
		out.opt.wscale = 7;
	}
	demo_send(node, in.src_addr, &s->ip_id, &out);
}

static void demo_usage(FILE *out)
{
	fprintf(out,
	        "usage: synq demo [--seed N] [--loss P] [--segments N] [--out FILE.pcap]\n"
	        "  client 10.0.0.1 -- router -- server 10.0.1.1; the router-server\n"
	        "  link loses each packet with probability P (default 0.05).\n"
	        "  --seed N      random seed (default 1); same seed, same output\n"
	        "  --loss P      loss probability on the router-server link, 0..1\n"
	        "  --segments N  data segments the client sends (default 200)\n"
	        "  --out FILE    pcap written at the client (default demo.pcap)\n");
}

/* True to run; false to exit at once with *status. */
static bool demo_options_parse(int argc, char **argv, struct demo_options *o,
                               int *status)
{
	*status = CLI_EXIT_USAGE;
	*o = (struct demo_options){ .seed = 1, .loss = 0.05, .segments = 200,
	                            .out = "demo.pcap" };
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			demo_usage(stdout);
			*status = CLI_EXIT_OK;
			return false;
		} else if (cli_option_match(argc, argv, &i, "demo", "--seed", &v)) {
			if (!v || !cli_parse_u64("demo", "--seed", v, &o->seed))
				return false;
		} else if (cli_option_match(argc, argv, &i, "demo", "--loss", &v)) {
			if (!v || !cli_parse_probability("demo", "--loss", v, &o->loss))
				return false;
		} else if (cli_option_match(argc, argv, &i, "demo", "--segments", &v)) {
			if (!v || !cli_parse_u64("demo", "--segments", v, &o->segments))
				return false;
			if (o->segments > 1000000) {
				fprintf(stderr, "synq demo: --segments at most 1000000\n");
				return false;
			}
		} else if (cli_option_match(argc, argv, &i, "demo", "--out", &v)) {
			if (!v)
				return false;
			o->out = v;
		} else {
			fprintf(stderr, "synq demo: unknown argument '%s' (see synq demo --help)\n",
			        argv[i]);
			return false;
		}
	}
	return true;
}

static void print_link(const struct sim_link *link, enum sim_link_end from)
{
	struct sim_link_stats st;
	sim_link_stats_get(link, from, &st);
	char name[2 * SIM_NODE_NAME_MAX + 8];
	snprintf(name, sizeof name, "%s -> %s", sim_node_name(sim_link_node(link, from)),
	         sim_node_name(sim_link_node(link, (enum sim_link_end)!from)));
	printf("  %-18s %6llu %9llu %6llu %10llu %9u\n", name,
	       (unsigned long long)st.tx_packets, (unsigned long long)st.rx_packets,
	       (unsigned long long)st.drops.by_reason[SYNQ_DROP_LINK_LOSS],
	       (unsigned long long)st.drops.by_reason[SYNQ_DROP_LINK_QUEUE_FULL],
	       st.queue_peak_pkts);
}

static void print_node_drops(const struct sim_node *node)
{
	struct sim_node_stats st;
	sim_node_stats_get(node, &st);
	for (int r = 0; r < SYNQ_DROP__COUNT; r++)
		if (st.drops.by_reason[r])
			printf("  %s dropped %llu: %s (%s)\n", sim_node_name(node),
			       (unsigned long long)st.drops.by_reason[r],
			       synq_drop_reason_name((enum synq_drop_reason)r),
			       synq_drop_reason_text((enum synq_drop_reason)r));
}

struct demo_world {
	struct sim *sim;
	struct sim_node *client, *router, *server;
	struct sim_link *access, *lossy;
};

static int demo_build(struct demo_world *w, const struct demo_options *o,
                      struct demo_client *c, struct demo_server *s)
{
	struct sim_config cfg = { .seed = o->seed, .steps_max = 100000000 };
	int err = sim_create(&cfg, &w->sim);
	if (err)
		return err;
	struct sim_node_config client = { .name = "client", .addr = DEMO_CLIENT_ADDR,
	                                  .receive = client_receive,
	                                  .timer = client_timer, .ctx = c };
	struct sim_node_config router = { .name = "router", .addr = DEMO_ROUTER_ADDR,
	                                  .kind = SIM_NODE_ROUTER };
	struct sim_node_config server = { .name = "server", .addr = DEMO_SERVER_ADDR,
	                                  .receive = server_receive, .ctx = s };
	struct sim_link_config access, lossy;
	sim_link_config_init(&access);
	access.delay_ns = SYNQ_MSEC(2);
	access.rate_bps = 100000000;
	sim_link_config_init(&lossy);
	lossy.delay_ns = SYNQ_MSEC(10);
	lossy.rate_bps = 10000000;
	lossy.queue_max_pkts = 50;
	lossy.loss = o->loss;
	if ((err = sim_node_add(w->sim, &client, &w->client)) ||
	    (err = sim_node_add(w->sim, &router, &w->router)) ||
	    (err = sim_node_add(w->sim, &server, &w->server)) ||
	    (err = sim_link_add(w->sim, &access, w->client, w->router, &w->access)) ||
	    (err = sim_link_add(w->sim, &lossy, w->router, w->server, &w->lossy)) ||
	    (err = sim_node_route_add(w->router, 0x0a000000u, 24, w->access)) ||
	    (err = sim_node_route_add(w->router, 0x0a000100u, 24, w->lossy)))
		return err;
	c->node = w->client;
	return sim_node_timer_set(w->client, 0); /* the SYN goes at time 0 */
}

int cli_demo(int argc, char **argv)
{
	struct demo_options o;
	int status;
	if (!demo_options_parse(argc, argv, &o, &status))
		return status;

	struct synq_pcap *pcap = NULL;
	int err = synq_pcap_open(o.out, &pcap);
	if (err) {
		fprintf(stderr, "synq demo: cannot write %s: %s\n", o.out, strerror(-err));
		return CLI_EXIT_FAILURE;
	}
	struct demo_client c = { .segments = o.segments };
	struct demo_server s = { 0 };
	struct demo_world w = { 0 };
	err = demo_build(&w, &o, &c, &s);
	if (!err) {
		sim_node_capture(w.client, pcap);
		err = sim_run_until(w.sim, SYNQ_TIME_NEVER);
	}
	if (err) {
		fprintf(stderr, "synq demo: simulation failed (seed %llu): %s\n",
		        (unsigned long long)o.seed, strerror(-err));
		sim_destroy(w.sim);
		synq_pcap_close(pcap);
		return CLI_EXIT_FAILURE;
	}

	struct sim_stats st;
	sim_stats_get(w.sim, &st);
	printf("synq demo: seed %llu, loss %.3f, %llu segments + SYN, simulated %.3f s, "
	       "%llu events\n",
	       (unsigned long long)o.seed, o.loss, (unsigned long long)o.segments,
	       (double)st.now / 1e9, (unsigned long long)st.events_run);
	printf("  %-18s %6s %9s %6s %10s %9s\n", "link", "sent", "delivered", "lost",
	       "queue-full", "queue-max");
	print_link(w.access, SIM_LINK_A);
	print_link(w.lossy, SIM_LINK_A);
	print_link(w.lossy, SIM_LINK_B);
	print_link(w.access, SIM_LINK_B);
	print_node_drops(w.client);
	print_node_drops(w.router);
	print_node_drops(w.server);
	printf("  client: %llu sent (%u SYN), %llu answered (%.1f%%)",
	       (unsigned long long)c.sent, c.syn_tries,
	       (unsigned long long)c.acks, c.sent ? 100.0 * (double)c.acks / (double)c.sent : 0.0);
	if (c.acks)
		printf(", rtt min/avg/max %.3f/%.3f/%.3f ms", (double)c.rtt_min_ns / 1e6,
		       (double)c.rtt_sum_ns / (double)c.acks / 1e6, (double)c.rtt_max_ns / 1e6);
	printf("\n  server: %llu segments received\n", (unsigned long long)s.received);

	uint64_t records = synq_pcap_records(pcap);
	sim_destroy(w.sim);
	err = synq_pcap_close(pcap);
	if (err) {
		fprintf(stderr, "synq demo: writing %s failed: %s\n", o.out, strerror(-err));
		return CLI_EXIT_FAILURE;
	}
	printf("  pcap: %s (%llu packets captured at the client)\n", o.out,
	       (unsigned long long)records);
	return CLI_EXIT_OK;
}

int cli_demo_run(const struct scn_run_options *o)
{
	(void)o;
	fprintf(stderr, "synq sim: the built-in scenario needs synq httpd\n");
	return CLI_EXIT_FAILURE;
}

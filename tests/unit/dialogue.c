/* SPDX-License-Identifier: BSD-2-Clause */
#include "dialogue.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ip/ipv4.h"
#include "synq/socket.h"

static void on_output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct dlg *d = ctx;
	if (d->count == DLG_MAX_PENDING || len > sizeof d->pending[0].bytes) {
		d->overflow++;
		return;
	}
	struct dlg_packet *p = &d->pending[(d->head + d->count) % DLG_MAX_PENDING];
	p->at = synq_stack_now(d->s);
	p->len = (uint16_t)len;
	memcpy(p->bytes, pkt, len);
	d->count++;
}

static void on_log(void *ctx, const char *line)
{
	struct dlg *d = ctx;
	if (d->log_count < 8) {
		strncpy(d->log[d->log_count], line, sizeof d->log[0] - 1);
		d->log[d->log_count][sizeof d->log[0] - 1] = '\0';
	}
	d->log_count++;
}

void dlg_init(struct dlg *d, const struct synq_config *cfg)
{
	memset(d, 0, sizeof *d);
	struct synq_config exact;
	if (cfg == NULL)
		synq_config_default(&exact);
	else
		exact = *cfg;
	/* Dialogues check TCP's rules at the millisecond they name: exact
	 * timers. test_timer_wheel.c turns the wheel back on. */
	exact.hz = 0;
	struct synq_stack_io io = { .output = on_output, .log = on_log, .ctx = d };
	assert_int_equal(synq_stack_new(&d->s, &exact, DLG_LOCAL_ADDR, 42, &io), 0);
	d->now = SYNQ_SEC(1000);
	synq_stack_advance(d->s, d->now);
	d->peer_isn = 1000000;
	d->local_port = DLG_LOCAL_PORT;
	d->remote_port = DLG_REMOTE_PORT;
}

void dlg_free(struct dlg *d)
{
	synq_stack_free(d->s);
}

void dlg_advance(struct dlg *d, synq_time_t dt)
{
	synq_time_t end = d->now + dt;
	for (;;) {
		synq_time_t next = synq_stack_next_deadline(d->s);
		if (next > end)
			break;
		d->now = next > d->now ? next : d->now;
		synq_stack_advance(d->s, d->now);
	}
	d->now = end;
	synq_stack_advance(d->s, d->now);
}

void dlg_send(struct dlg *d, const struct dlg_seg *in)
{
	static const uint8_t pattern[64] = "0123456789abcdefghijklmnopqrstuvwxyz"
	                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ__";
	static uint8_t payload[65535];
	for (unsigned i = 0; i < in->len && i < sizeof payload; i++)
		payload[i] = in->payload ? in->payload[i] : pattern[i % 62];
	struct tcp_segment seg = {
		.src_port = in->src_port ? in->src_port : d->remote_port,
		.dst_port = in->dst_port ? in->dst_port : d->local_port,
		.seq = in->raw_seq ? in->seq : d->peer_isn + in->seq,
		.ack = (in->flags & TCP_ACK) ? (in->raw_seq ? in->ack : d->stack_isn + in->ack) : 0,
		.flags = in->flags,
		.window = in->window,
		.payload = payload,
		.payload_len = in->len,
		.opt = in->opt,
	};
	struct ipv4_fields ipf = { .src_addr = DLG_REMOTE_ADDR, .dst_addr = DLG_LOCAL_ADDR,
	                           .ttl = 64, .protocol = IPV4_PROTO_TCP, .dont_fragment = true };
	static uint8_t buf[65535 + 120];
	size_t n = tcp_segment_emit(buf, sizeof buf, &ipf, &seg);
	assert_true(n > 0);
	synq_stack_input(d->s, buf, n, d->now);
}

bool dlg_next(struct dlg *d, struct dlg_out *out)
{
	if (d->count == 0)
		return false;
	out->pkt = d->pending[d->head];
	d->head = (d->head + 1) % DLG_MAX_PENDING;
	d->count--;
	struct ipv4_view ip;
	assert_int_equal(ipv4_parse(out->pkt.bytes, out->pkt.len, &ip), SYNQ_DROP_NONE);
	assert_int_equal(tcp_parse(&ip, &out->seg, true), SYNQ_DROP_NONE);
	assert_int_equal(ip.src_addr, DLG_LOCAL_ADDR);
	assert_int_equal(ip.dst_addr, DLG_REMOTE_ADDR);
	if ((out->seg.flags & TCP_SYN) && !d->stack_isn_known) {
		d->stack_isn = out->seg.seq;
		d->stack_isn_known = true;
		if (!(out->seg.flags & TCP_ACK))
			d->local_port = out->seg.src_port; /* an active open */
	}
	out->at = out->pkt.at;
	out->rel_seq = out->seg.seq - d->stack_isn;
	out->rel_ack = out->seg.ack - d->peer_isn;
	return true;
}

unsigned dlg_pending(const struct dlg *d)
{
	return d->count;
}

void dlg_discard(struct dlg *d)
{
	d->count = 0;
}

int dlg_listen(struct dlg *d, int backlog)
{
	int fd = synq_socket(d->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 3);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DLG_LOCAL_PORT) };
	assert_int_equal(synq_bind(d->s, fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(synq_listen(d->s, fd, backlog), 0);
	return fd;
}

void dlg_peer_syn(struct dlg *d, bool options)
{
	struct dlg_seg syn = { .flags = TCP_SYN, .seq = 0, .window = 65535 };
	if (options) {
		syn.opt = (struct tcp_options){ .has_mss = true, .mss = 1460, .sack_permitted = true,
		                                .has_timestamp = true, .tsval = 100,
		                                .has_wscale = true, .wscale = 7 };
	}
	dlg_send(d, &syn);
}

int dlg_passive_open(struct dlg *d, int listen_fd, bool options)
{
	d->stack_isn_known = false;
	dlg_peer_syn(d, options);
	struct dlg_out o;
	assert_true(dlg_next(d, &o));
	assert_int_equal(o.seg.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(o.rel_ack, 1);
	struct dlg_seg ack = { .flags = TCP_ACK, .seq = 1, .ack = 1, .window = 257 };
	if (options) {
		ack.opt.has_timestamp = true;
		ack.opt.tsval = 101;
		ack.opt.tsecr = o.seg.opt.tsval;
	}
	dlg_send(d, &ack);
	int fd = synq_accept(d->s, listen_fd, NULL, NULL);
	assert_true(fd >= 3);
	return fd;
}

struct dlg_out dlg_expect(struct dlg *d, uint8_t flags, uint32_t rel_seq, uint32_t rel_ack)
{
	struct dlg_out o;
	assert_true(dlg_next(d, &o));
	assert_int_equal(o.seg.flags, flags);
	assert_int_equal(o.rel_seq, rel_seq);
	if (flags & TCP_ACK)
		assert_int_equal(o.rel_ack, rel_ack);
	return o;
}

void dlg_expect_nothing(const struct dlg *d)
{
	assert_int_equal(dlg_pending(d), 0);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The smallest driver: what any driver (a TUN device, a simulator, a test)
 * owes a synq stack, with no simulator at all. Two stacks; each one's
 * output is queued for the other, as a wire would carry it.
 *
 *   input     synq_stack_input(stack, datagram, len, now) for every
 *             datagram that arrives;
 *   advance   synq_stack_advance(stack, now) when its deadline comes;
 *   deadline  synq_stack_next_deadline(stack) after any call: when to
 *             call advance next (SYNQ_TIME_NEVER: nothing is pending);
 *   output    the io.output callback, called during any of those calls
 *             with a datagram to transmit (copy it: the buffer is the
 *             stack's).
 *
 * The clock is the driver's: here a virtual one that jumps to the next
 * deadline when nothing is on the wire. A client sends "hello", the
 * server echoes it, both close. Public headers only. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "synq/socket.h"
#include "synq/stack.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define SLOTS 64

struct wire {
	uint8_t data[SLOTS][1600];
	size_t len[SLOTS];
	unsigned head, tail;
};

static void output(void *ctx, const uint8_t *datagram, size_t len)
{
	struct wire *w = ctx;
	if (w->tail - w->head == SLOTS || len > sizeof w->data[0])
		return; /* a full wire drops, as a full NIC queue would */
	memcpy(w->data[w->tail % SLOTS], datagram, len);
	w->len[w->tail % SLOTS] = len;
	w->tail++;
}

/* Deliver everything on w to s; true if anything was there. */
static int deliver(struct wire *w, struct synq_stack *s, synq_time_t now)
{
	int any = w->head != w->tail;
	while (w->head != w->tail) {
		unsigned i = w->head++ % SLOTS;
		synq_stack_input(s, w->data[i], w->len[i], now);
	}
	return any;
}

int main(void)
{
	static struct wire to_a, to_b;
	struct synq_config cfg;
	synq_config_default(&cfg);
	struct synq_stack *a, *b;
	struct synq_stack_io io_a = { .output = output, .ctx = &to_b };
	struct synq_stack_io io_b = { .output = output, .ctx = &to_a };
	if (synq_stack_new(&a, &cfg, A_ADDR, 1, &io_a) || synq_stack_new(&b, &cfg, B_ADDR, 2, &io_b))
		return 1;

	int lfd = synq_socket(b, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(7) };
	synq_bind(b, lfd, (struct sockaddr *)&any, sizeof any);
	synq_listen(b, lfd, 8);
	int cfd = synq_socket(a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7),
	                          .sin_addr.s_addr = htonl(B_ADDR) };
	synq_connect(a, cfd, (struct sockaddr *)&to, sizeof to);

	synq_time_t now = 0;
	int sfd = -1, said = 0, echoed = 0, closed = 0;
	char reply[16] = { 0 };
	for (int step = 0; step < 10000 && !closed; step++) {
		/* 1. the wire: every datagram in flight arrives */
		int moved = deliver(&to_b, b, now);
		moved |= deliver(&to_a, a, now);
		/* 2. nothing in flight: the clock jumps to the next deadline */
		if (!moved) {
			synq_time_t da = synq_stack_next_deadline(a);
			synq_time_t db = synq_stack_next_deadline(b);
			synq_time_t next = da < db ? da : db;
			if (next == SYNQ_TIME_NEVER)
				break;
			now = next > now ? next : now;
			synq_stack_advance(a, now);
			synq_stack_advance(b, now);
		}
		/* 3. the applications */
		if (sfd < 0)
			sfd = synq_accept(b, lfd, NULL, NULL);
		if (!said && (synq_sock_events(a, cfd) & POLLOUT))
			said = synq_write(a, cfd, "hello", 5) == 5;
		if (sfd >= 0 && !echoed) {
			char buf[16];
			ssize_t n = synq_read(b, sfd, buf, sizeof buf);
			if (n > 0)
				echoed = synq_write(b, sfd, buf, (size_t)n) == n;
		}
		if (echoed && synq_read(a, cfd, reply, sizeof reply - 1) == 5) {
			synq_close(a, cfd);
			synq_close(b, sfd);
			closed = 1;
		}
	}
	printf("driver_loop: reply \"%s\" after %.3f virtual ms\n", reply, (double)now / 1e6);
	synq_close(b, lfd);
	synq_stack_free(a);
	synq_stack_free(b);
	return strcmp(reply, "hello") == 0 ? 0 : 1;
}

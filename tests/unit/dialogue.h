/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TESTS_DIALOGUE_H
#define SYNQ_TESTS_DIALOGUE_H

/* Test support: packet dialogues with one stack, in the manner of
 * packetdrill. The test plays the remote peer (192.0.2.1) against a stack
 * at 192.168.0.1: it injects segments it builds and takes the segments the
 * stack sends, one at a time, on a virtual clock the test moves.
 *
 * Sequence numbers are relative, as packetdrill writes them: the peer's
 * are offsets from its ISN (dlg.peer_isn), ours from the stack's ISN,
 * which dlg learns from the first SYN or SYN-ACK the stack sends. */

#include <stdbool.h>
#include <stdint.h>

#include "ip/tcp_wire.h"
#include "synq/config.h"
#include "synq/stack.h"

#define DLG_LOCAL_ADDR 0xc0a80001u  /* 192.168.0.1: the stack */
#define DLG_REMOTE_ADDR 0xc0000201u /* 192.0.2.1: the test */
#define DLG_LOCAL_PORT 8080
#define DLG_REMOTE_PORT 40000
#define DLG_MAX_PENDING 256

struct dlg_packet {
	synq_time_t at;
	uint16_t len;
	uint8_t bytes[2048];
};

struct dlg {
	struct synq_stack *s;
	synq_time_t now;
	uint32_t peer_isn;       /* absolute */
	uint32_t stack_isn;      /* absolute, learnt */
	bool stack_isn_known;
	uint16_t local_port;     /* the stack's port (learnt for connect) */
	uint16_t remote_port;
	struct dlg_packet pending[DLG_MAX_PENDING];
	unsigned head, count;
	unsigned overflow;
	char log[8][128];        /* kernel log lines seen */
	unsigned log_count;
};

/* A stack with the given config (NULL: defaults). */
void dlg_init(struct dlg *d, const struct synq_config *cfg);
void dlg_free(struct dlg *d);

/* Move the clock by dt, firing timers; output queues up. */
void dlg_advance(struct dlg *d, synq_time_t dt);

/* What the peer sends. seq is relative to peer_isn, ack relative to the
 * stack's ISN (ignored without TCP_ACK). */
struct dlg_seg {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t window;
	uint16_t len;            /* payload bytes (a pattern) */
	const uint8_t *payload;  /* or these bytes */
	struct tcp_options opt;
	bool raw_seq;            /* seq and ack are absolute */
	uint16_t dst_port;       /* 0: the dialogue's local port */
	uint16_t src_port;       /* 0: the dialogue's remote port */
};
void dlg_send(struct dlg *d, const struct dlg_seg *seg);

/* Take the next segment the stack sent, NULL if none. Its seq and ack
 * are made relative. */
struct dlg_out {
	struct tcp_segment seg;  /* payload points into the packet */
	synq_time_t at;
	uint32_t rel_seq;
	uint32_t rel_ack;
	struct dlg_packet pkt;
};
bool dlg_next(struct dlg *d, struct dlg_out *out);
unsigned dlg_pending(const struct dlg *d);
void dlg_discard(struct dlg *d);
/* Assert that the next segment has these flags, relative seq and (with
 * ACK) relative ack, and return it; or that nothing is waiting. */
struct dlg_out dlg_expect(struct dlg *d, uint8_t flags, uint32_t rel_seq, uint32_t rel_ack);
void dlg_expect_nothing(const struct dlg *d);

/* Typical steps. */
/* listen(backlog) on DLG_LOCAL_PORT; returns the listening fd. */
int dlg_listen(struct dlg *d, int backlog);
/* Peer SYN with MSS 1460, SACK, TS, WS 7 (or bare if !options). */
void dlg_peer_syn(struct dlg *d, bool options);
/* Complete a passive open: SYN, SYN-ACK, ACK; returns the accepted fd.
 * The listener must exist. */
int dlg_passive_open(struct dlg *d, int listen_fd, bool options);

#endif

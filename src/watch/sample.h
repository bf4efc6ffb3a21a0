/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_SAMPLE_H
#define SYNQ_WATCH_SAMPLE_H

/* The I/O half of synq watch: one netlink socket kept open, the /proc
 * files read into one buffer, two listener tables used in turn (so what
 * was learnt about a socket, such as its owner, carries over by inode).
 * Everything is allocated by watch_sampler_open(); a refresh allocates
 * nothing, so resident memory stays flat however long it runs.
 *
 * Counting ESTABLISHED sockets per listener is the one costly part: the
 * kernel fills a message for each (about a microsecond apiece, some 45 ms
 * for 45 000 connections on the bench machine), while the queues, the
 * half-open counts and the counters, which are what the diagnosis reads,
 * come from a walk that sends only listeners and SYN-RECV sockets. So
 * established counts are taken at most every established_every_s and
 * carried in between, with their age in the frame.
 *
 * The sampler reads the network namespace the process is in when it is
 * opened (the netlink socket belongs to it; /proc/net and /proc/sys/net
 * resolve to the reader's namespace): join another one first
 * (watch_netns_enter()). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "watch/frame.h"

struct mnl_socket;

struct watch_sampler_config {
	size_t max_listeners;      /* table capacity */
	uint16_t port;             /* 0: every port */
	bool defer_lookup;         /* find owners and read TCP_DEFER_ACCEPT */
	double defer_rescan_s;     /* at most one /proc scan per this many seconds */
	double established_every_s; /* count ESTABLISHED at most this often (0:
	                             * every refresh); in between, the last
	                             * counts are carried */
	const char *netns;         /* shown in the output only */
};

struct watch_sampler {
	struct watch_sampler_config cfg;
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint8_t *buf;              /* netlink receive buffer */
	size_t buf_len;
	char *text;                /* /proc file buffer */
	size_t text_cap;
	struct watch_listeners tables[2];
	int cur;
	struct watch_mib prev_mib;
	int64_t prev_mono_ns;
	int64_t last_scan_ns;
	int64_t last_count_ns;     /* when ESTABLISHED were last counted */
	bool counted;
	bool have_prev;
	bool scanned;
	bool per_family;           /* the kernel refused the AF_UNSPEC dump */
	uint64_t refresh;
	char err[256];             /* why the last call failed */
};

/* 0, or -errno with s->err saying what failed. */
int watch_sampler_open(struct watch_sampler *s, const struct watch_sampler_config *cfg);
void watch_sampler_close(struct watch_sampler *s);

/* Take one sample into f (f->listeners points into the sampler and stays
 * valid until the next call); the diagnosis is left to the caller. Rates
 * are against the previous call. 0, or -errno with s->err set. */
int watch_sampler_sample(struct watch_sampler *s, struct watch_frame *f);

/* Forget the previous sample (the next one has no rates). */
void watch_sampler_forget(struct watch_sampler *s);

/* Read a whole small file into buf (NUL-terminated). Length, or -errno
 * (-EFBIG when it does not fit). */
long watch_read_file(const char *path, char *buf, size_t cap);

#endif

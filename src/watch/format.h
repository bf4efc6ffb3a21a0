/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_FORMAT_H
#define SYNQ_WATCH_FORMAT_H

/* The three ways a frame leaves synq watch, all pure (a frame in, text to
 * a stream out):
 *   JSON  one object per refresh on one line, for scripts (json.c)
 *   Prometheus text exposition format 0.0.4, for scraping (prom.c)
 *   the terminal view, redrawn in place (term.c)
 * and the small text helpers they share (text.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "watch/frame.h"

/* "127.0.0.1:80", "[::1]:80", or ":80" / "[::]:80" for wildcards. */
void watch_endpoint_format(const struct watch_endpoint *e, char *buf, size_t cap);
/* The address alone: "127.0.0.1", "::1", "0.0.0.0", "::". */
void watch_addr_format(const struct watch_endpoint *e, char *buf, size_t cap);
/* A rate for people: "0", "0.4", "37", "1.2k", "12k", "3.4M". */
void watch_rate_format(double per_s, char *buf, size_t cap);

/* A write buffer for the per-listener lines: 10 000 listeners through
 * fprintf() cost more than the netlink dump that found them. */
struct watch_out {
	FILE *out;
	size_t n;
	char buf[16384];
};
void watch_out_init(struct watch_out *o, FILE *out);
void watch_out_mem(struct watch_out *o, const char *s, size_t n);
void watch_out_str(struct watch_out *o, const char *s);
void watch_out_u64(struct watch_out *o, uint64_t v);
void watch_out_i64(struct watch_out *o, int64_t v);
void watch_out_flush(struct watch_out *o);

int watch_json_write(FILE *out, const struct watch_frame *f);
int watch_prom_write(FILE *out, const struct watch_frame *f);

struct watch_term_opts {
	bool colour;     /* ANSI colours */
	bool in_place;   /* cursor home and clear: redraw over the last frame */
	int width;       /* columns; 0: 100 */
	int height;      /* rows; 0: no limit */
};
int watch_term_write(FILE *out, const struct watch_frame *f,
                     const struct watch_term_opts *opts);

/* Colour decision as https://no-color.org/ and the usual terminal rules
 * ask: only on a terminal, never when NO_COLOR is set and not empty, never
 * for TERM=dumb. */
bool watch_term_want_colour(bool is_tty, const char *no_color, const char *term);

#endif

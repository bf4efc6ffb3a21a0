/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_UNITS_H
#define SYNQ_SCENARIO_UNITS_H

/* Values in scenario files, with their units.
 *
 * A scenario is read by people, so every quantity carries its unit and
 * nothing is guessed: "10ms" and "10s" differ by a thousand, and a bare
 * "10" where a duration is wanted is refused rather than read as seconds.
 *
 *   duration     "0", "250us", "10ms", "1.5s", "2min", "1h" (ns us ms s min h)
 *   rate         "100/s", "6000/min", "3/h", "100k/s" (events per unit time)
 *   bit rate     "100mbit", "1gbit", "64kbit", "9600bit", "0" = unlimited
 *                (tc's spellings, case-insensitive; also "mbps" style)
 *   size         "1000", "1000B", "4KiB", "16kB", "1MiB", "1MB"
 *   count        a whole number, "1000000" (a "k" or "M" suffix is allowed)
 *   probability  "0.05" or "5%"
 *   switch       yes/no, on/off, true/false, 1/0
 *   distribution "5s" (always 5 s), "exp(5s)" (exponential, mean 5 s),
 *                "uniform(1s, 5s)", "lognormal(100ms, 0.5)" (median 100 ms,
 *                sigma 0.5 of the underlying normal)
 *
 * Every parser takes the value as the loader found it (already stripped of
 * surrounding blanks and of a trailing ';' comment) and returns NULL on
 * success or a message saying what is wrong, for the loader to put after
 * "file:line: section.key: ". Nothing is written on failure. */

#include <stdbool.h>
#include <stdint.h>

#include "sim/rng.h"
#include "synq/time.h"

enum scn_dist_kind {
	SCN_DIST_FIXED = 0,
	SCN_DIST_EXP,
	SCN_DIST_UNIFORM,
	SCN_DIST_LOGNORMAL,
};

struct scn_dist {
	enum scn_dist_kind kind;
	synq_time_t a_ns;  /* fixed value, mean, low end, or median */
	synq_time_t b_ns;  /* uniform: high end */
	double sigma;      /* lognormal */
};

const char *scn_parse_duration(const char *text, synq_time_t *out);
const char *scn_parse_rate(const char *text, double *per_s);
const char *scn_parse_bitrate(const char *text, uint64_t *bps);
const char *scn_parse_bytes(const char *text, uint64_t *out);
const char *scn_parse_count(const char *text, uint64_t *out);
const char *scn_parse_probability(const char *text, double *out);
const char *scn_parse_bool(const char *text, bool *out);
const char *scn_parse_dist(const char *text, struct scn_dist *out);
/* "a.b.c.d/len" with no bits set beyond the prefix; host order. */
const char *scn_parse_prefix(const char *text, uint32_t *addr, unsigned *len);

/* One draw from d (never negative). */
synq_time_t scn_dist_sample(const struct scn_dist *d, struct sim_rng *rng);
/* The mean of d, for documentation and sanity checks. */
double scn_dist_mean_ns(const struct scn_dist *d);

/* Text forms for reports: "1.5s", "250ms"; "100mbit"; "exp(5s)". Write at
 * most cap bytes, NUL-terminated; return buf. */
char *scn_format_duration(synq_time_t ns, char *buf, unsigned cap);
char *scn_format_dist(const struct scn_dist *d, char *buf, unsigned cap);

#endif

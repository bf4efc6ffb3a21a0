/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_WATCH_PREDICT_H
#define SYNQ_WATCH_PREDICT_H

/* synq watch --predict: for each listener, the simulator's answer to "what
 * happens at twice today's SYN rate", with this host's own sysctls. */

#include <stdio.h>

#include "watch/sample.h"

/* Sample the host (two samples interval_s apart, for today's rates), then
 * print one line per listener to out. Returns a CLI exit status; errors go
 * to err. */
int watch_predict_run(struct watch_sampler *s, struct watch_frame *f, double interval_s,
                      FILE *out, FILE *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* --predict needs the simulator's scenario engine (synq sim: scenarios,
 * SYN-flood attackers, a report), which is not in this build yet. Until it
 * is, say so plainly rather than print a guess. */
#include "watch/predict.h"

int watch_predict_run(struct watch_sampler *s, struct watch_frame *f, double interval_s,
                      FILE *out, FILE *err)
{
	(void)s;
	(void)f;
	(void)interval_s;
	(void)out;
	fprintf(err, "synq watch: --predict needs the scenario engine (synq sim), which is "
	             "not in this build yet\n");
	return 1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_CLI_SIM_RUN_H
#define SYNQ_CLI_SIM_RUN_H

/* The built-in scenario (demo.c), run by synq demo and by synq sim
 * without a file. */

#include "report/run.h"

int cli_demo_run(const struct scn_run_options *o);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_EXPECT_H
#define SYNQ_SCENARIO_EXPECT_H

/* A scenario's [expect] section (sec_expect.c). */

#include <stdbool.h>

#include "scenario/scenario.h"

#define SCN_EXPECT_MAX 32

enum scn_op { SCN_OP_LT, SCN_OP_LE, SCN_OP_EQ, SCN_OP_NE, SCN_OP_GE, SCN_OP_GT,
	      SCN_OP_NEAR /* "29491 +- 5%": within tolerance of value */ };

struct scn_expectation {
	char metric[96];
	enum scn_op op;
	double value;
	double tolerance;  /* SCN_OP_NEAR: a fraction of value */
	char text[48];    /* as written: ">= 0.99" */
	int line;
};

struct scn_expectations {
	unsigned n;
	struct scn_expectation item[SCN_EXPECT_MAX];
	synq_time_t test_duration_ns;  /* 0: the scenario's own */
	char off[256];                 /* overrides, blank-separated */
};

/* NULL when the scenario has no [expect]. */
const struct scn_expectations *scn_expectations(const struct scenario *scn);
bool scn_expectation_holds(const struct scn_expectation *e, double got);

extern const struct scn_section_kind scn_section_expect;

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* [expect]: what a scenario claims will happen, checked by synq sim
 * --check (and by make test on every shipped scenario).
 *
 *   [expect]
 *   legit_success_rate = >= 0.99
 *   clients.web.connect_p99_ms = < 1500
 *   TcpExtListenDrops = == 0
 *   test_duration = 10s          ; make test runs it this long
 *   off = kernel.net.ipv4.tcp_syncookies=0
 *
 * Each metric key holds a comparison (<, <=, ==, !=, >=, >) and a number;
 * the metric names are those of report_metric() (docs/scenarios.md).
 * `off` names the override(s), separated by blanks, that switch off the
 * mechanism the scenario is about: make test runs the scenario once as
 * written, where every expectation must hold, and once with `off`, where
 * at least one must fail. A claim that still holds without its mechanism
 * was not a claim about that mechanism. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/expect.h"
#include "scenario/section.h"

static struct scn_expectations *expectations_of(struct scenario *scn)
{
	for (unsigned i = 0; i < scn->n_extensions; i++)
		if (scn->extension[i].kind == &scn_section_expect)
			return scn->extension[i].obj;
	return NULL;
}

const struct scn_expectations *scn_expectations(const struct scenario *scn)
{
	return expectations_of((struct scenario *)scn);
}

static void *expect_open(struct scenario *scn, const char *instance, struct scn_where where,
                         struct scn_errors *errs)
{
	(void)scn, (void)instance, (void)where, (void)errs;
	return calloc(1, sizeof(struct scn_expectations));
}

static const char *parse_op(const char *v, enum scn_op *op)
{
	static const struct { const char *text; enum scn_op op; } ops[] = {
		{ "<=", SCN_OP_LE }, { ">=", SCN_OP_GE }, { "==", SCN_OP_EQ }, { "!=", SCN_OP_NE },
		{ "<", SCN_OP_LT }, { ">", SCN_OP_GT },
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (!strncmp(v, ops[i].text, strlen(ops[i].text))) {
			*op = ops[i].op;
			return v + strlen(ops[i].text);
		}
	return NULL;
}

static const char *expect_set(struct scenario *scn, void *obj, const char *key,
                              const char *value, struct scn_where where)
{
	(void)scn;
	struct scn_expectations *x = obj;
	if (!strcmp(key, "test_duration"))
		return scn_parse_duration(value, &x->test_duration_ns);
	if (!strcmp(key, "off")) {
		if (!*value)
			return "missing value (overrides such as kernel.net.ipv4.tcp_syncookies=0)";
		if (strlen(value) >= sizeof x->off)
			return "too long";
		if (!strchr(value, '='))
			return "not an override (section.key=value)";
		snprintf(x->off, sizeof x->off, "%s", value);
		return NULL;
	}
	if (x->n == SCN_EXPECT_MAX)
		return "too many expectations";
	if (strlen(key) >= sizeof x->item[0].metric)
		return "metric name too long";
	struct scn_expectation *e = &x->item[x->n];
	static const char *const form =
		"expected a comparison and a number, as in >= 0.99, or a number and a "
		"tolerance, as in 3686 +- 5%";
	const char *p = parse_op(value, &e->op);
	char *end;
	if (p == NULL) {
		/* NUMBER +- PERCENT% */
		e->op = SCN_OP_NEAR;
		e->value = strtod(value, &end);
		if (end == value)
			return form;
		p = end;
		while (*p == ' ')
			p++;
		if (strncmp(p, "+-", 2) != 0)
			return form;
		p += 2;
		e->tolerance = strtod(p, &end) / 100;
		if (end == p || *end != '%' || end[1] != '\0' || e->tolerance < 0)
			return form;
	} else {
		while (*p == ' ')
			p++;
		e->value = strtod(p, &end);
		if (end == p || *end != '\0')
			return form;
	}
	snprintf(e->metric, sizeof e->metric, "%s", key);
	snprintf(e->text, sizeof e->text, "%s", value);
	e->line = where.line;
	x->n++;
	return NULL;
}

static void expect_free(void *obj)
{
	free(obj);
}

const struct scn_section_kind scn_section_expect = {
	.name = "expect",
	.doc = "Expected outcomes, checked by `synq sim --check` and by make test: "
	       "`METRIC = OP NUMBER` (OP one of < <= == != >= >) or `METRIC = NUMBER +- "
	       "PERCENT%`, plus `test_duration` "
	       "(how long make test runs it) and `off` (the overrides that switch the "
	       "scenario's mechanism off; with them at least one expectation must fail).",
	.open = expect_open,
	.set_other = expect_set,
	.free = expect_free,
};

bool scn_expectation_holds(const struct scn_expectation *e, double got)
{
	switch (e->op) {
	case SCN_OP_LT: return got < e->value;
	case SCN_OP_LE: return got <= e->value;
	case SCN_OP_EQ: return got == e->value;
	case SCN_OP_NE: return got != e->value;
	case SCN_OP_GE: return got >= e->value;
	case SCN_OP_GT: return got > e->value;
	case SCN_OP_NEAR: {
		double slack = e->tolerance * (e->value < 0 ? -e->value : e->value);
		return got >= e->value - slack && got <= e->value + slack;
	}
	}
	return false;
}

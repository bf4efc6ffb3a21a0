/* SPDX-License-Identifier: BSD-2-Clause */
/* Scenario files: the units, the loader, its errors and overrides.
 *
 * Every file in tests/scenarios/bad/ names, on its first line, the one
 * error line it must produce ("; error: FILE:LINE: KEY: message"); the
 * test loads it and checks that exactly that line comes out and nothing
 * runs. Every default in every key table parses; every key is in
 * docs/scenarios.md. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/run.h"
#include "scenario/expect.h"
#include "scenario/section.h"
#include "scenario/units.h"

#define BAD_DIR "tests/scenarios/bad"

/* ------------------------------------------------------------ units */

static void test_durations(void **state)
{
	(void)state;
	synq_time_t t;
	assert_null(scn_parse_duration("10ms", &t));
	assert_int_equal(t, SYNQ_MSEC(10));
	assert_null(scn_parse_duration("1.5s", &t));
	assert_int_equal(t, SYNQ_MSEC(1500));
	assert_null(scn_parse_duration(" 2min", &t));
	assert_int_equal(t, SYNQ_SEC(120));
	assert_null(scn_parse_duration("250us", &t));
	assert_int_equal(t, SYNQ_USEC(250));
	assert_null(scn_parse_duration("0", &t));
	assert_int_equal(t, 0);
	assert_non_null(scn_parse_duration("10", &t));      /* no unit */
	assert_non_null(scn_parse_duration("10 sec", &t));  /* bad unit */
	assert_non_null(scn_parse_duration("-1s", &t));
	assert_non_null(scn_parse_duration("", &t));
	assert_non_null(scn_parse_duration("inf s", &t));
	assert_non_null(scn_parse_duration("1e3s", &t));
}

static void test_rates_and_sizes(void **state)
{
	(void)state;
	double r;
	assert_null(scn_parse_rate("100/s", &r));
	assert_true(r == 100);
	assert_null(scn_parse_rate("6000/min", &r));
	assert_true(r == 100);
	assert_null(scn_parse_rate("100k/s", &r));
	assert_true(r == 100000);
	assert_non_null(scn_parse_rate("100", &r));
	assert_non_null(scn_parse_rate("-5/s", &r));
	uint64_t v;
	assert_null(scn_parse_bitrate("100mbit", &v));
	assert_int_equal(v, 100000000);
	assert_null(scn_parse_bitrate("1Gbit", &v));
	assert_int_equal(v, 1000000000);
	assert_null(scn_parse_bitrate("0", &v));
	assert_int_equal(v, 0);
	assert_non_null(scn_parse_bitrate("100", &v));
	assert_non_null(scn_parse_bitrate("100 furlongs", &v));
	assert_null(scn_parse_bytes("4KiB", &v));
	assert_int_equal(v, 4096);
	assert_null(scn_parse_bytes("1000", &v));
	assert_int_equal(v, 1000);
	assert_non_null(scn_parse_bytes("1.5B", &v));
	assert_null(scn_parse_count("1M", &v));
	assert_int_equal(v, 1000000);
	assert_non_null(scn_parse_count("2.5", &v));
	double p;
	assert_null(scn_parse_probability("5%", &p));
	assert_true(p == 0.05);
	assert_non_null(scn_parse_probability("1.5", &p));
	bool b;
	assert_null(scn_parse_bool("On", &b));
	assert_true(b);
	assert_non_null(scn_parse_bool("maybe", &b));
}

static void test_distributions(void **state)
{
	(void)state;
	struct scn_dist d;
	assert_null(scn_parse_dist("exp(5s)", &d));
	assert_int_equal(d.kind, SCN_DIST_EXP);
	assert_int_equal(d.a_ns, SYNQ_SEC(5));
	assert_null(scn_parse_dist("uniform(1s, 3s)", &d));
	assert_int_equal(d.kind, SCN_DIST_UNIFORM);
	assert_int_equal(d.b_ns, SYNQ_SEC(3));
	assert_null(scn_parse_dist("lognormal(100ms, 0.5)", &d));
	assert_true(d.sigma == 0.5);
	assert_null(scn_parse_dist("2s", &d));
	assert_int_equal(d.kind, SCN_DIST_FIXED);
	assert_non_null(scn_parse_dist("uniform(3s, 1s)", &d));
	assert_non_null(scn_parse_dist("pareto(1s)", &d));
	assert_non_null(scn_parse_dist("exp(5s, 1s)", &d));
	/* samples stay in range and the exponential's mean is near its mean */
	struct sim_rng rng;
	sim_rng_seed(&rng, 7);
	assert_null(scn_parse_dist("uniform(1s, 3s)", &d));
	for (int i = 0; i < 1000; i++) {
		synq_time_t s = scn_dist_sample(&d, &rng);
		assert_true(s >= SYNQ_SEC(1) && s <= SYNQ_SEC(3));
	}
	assert_null(scn_parse_dist("exp(1s)", &d));
	double sum = 0;
	for (int i = 0; i < 20000; i++)
		sum += (double)scn_dist_sample(&d, &rng);
	double mean = sum / 20000 / 1e9;
	assert_true(mean > 0.95 && mean < 1.05);
}

/* ------------------------------------------------------------ loader */

static int load_text(struct scenario *scn, const char *text, const char *const *ov, unsigned n,
                     struct scn_errors *errs)
{
	return scn_load(scn, "t.ini", text, ov, n, errs);
}

static void test_defaults_and_values(void **state)
{
	(void)state;
	struct scenario scn;
	struct scn_errors errs;
	assert_int_equal(load_text(&scn, "", NULL, 0, &errs), 0);
	assert_int_equal(scn.run.duration_ns, SYNQ_SEC(30));
	assert_int_equal(scn.run.seed, 1);
	assert_int_equal(scn.server.model, SCN_SERVER_PREFORK);
	assert_int_equal(scn.server.port, 80);
	assert_int_equal(scn.kernel.tcp_syncookies, 1);   /* Linux's default */
	assert_int_equal(scn.kernel.somaxconn, 4096);
	assert_int_equal(scn.n_populations, 0);
	scn_free(&scn);

	const char *text = "[kernel]\n"
	                   "net.ipv4.tcp_syncookies = 0\n"
	                   "  net.core.somaxconn = 128   ; indented, with a comment\n"
	                   "personality = bsd\n"
	                   "[kernel.clients]\n"
	                   "net.ipv4.tcp_syn_linear_timeouts = 0\n"
	                   "[link.dsl]\n"
	                   "delay = 20ms\nrate = 8mbit\nloss = 1%\nqueue = 50\n"
	                   "[clients.web]\n"
	                   "model = browser\ncount = 7\nthink = exp(2s)\nlink = dsl\n"
	                   "[attack.flood]\n"
	                   "model = synflood\nrate = 100k/s\nsources = 1000\nrst = yes\n";
	assert_int_equal(load_text(&scn, text, NULL, 0, &errs), 0);
	assert_int_equal(scn.kernel.tcp_syncookies, 0);
	assert_int_equal(scn.kernel.somaxconn, 128);
	assert_int_equal(scn.kernel.personality, SYNQ_PERSONALITY_BSD);
	assert_int_equal(scn.client_kernel.tcp_syn_linear_timeouts, 0);
	assert_int_equal(scn.client_kernel.tcp_syncookies, 1);
	assert_int_equal(scn.n_links, 1);
	assert_int_equal(scn.link[0].cfg.delay_ns, SYNQ_MSEC(20));
	assert_int_equal(scn.link[0].cfg.rate_bps, 8000000);
	assert_int_equal(scn.link[0].cfg.queue_max_pkts, 50);
	assert_true(scn.link[0].cfg.loss == 0.01);
	assert_int_equal(scn.n_populations, 2);
	const struct scn_population *web = &scn.population[0];
	assert_string_equal(web->name, "web");
	assert_false(web->attack);
	assert_int_equal(web->model, SCN_MODEL_BROWSER);
	assert_int_equal(web->count, 7);
	assert_int_equal(web->parallel, 6);          /* default */
	assert_int_equal(web->think.kind, SCN_DIST_EXP);
	const struct scn_population *fl = &scn.population[1];
	assert_true(fl->attack);
	assert_true(fl->rate_per_s == 100000);
	assert_true(fl->rst);
	assert_int_equal(fl->sources, 1000);
	scn_free(&scn);
}

static void test_overrides(void **state)
{
	(void)state;
	struct scenario scn;
	struct scn_errors errs;
	const char *text = "[run]\nduration = 10s\n[attack.flood]\nmodel = synflood\nrate = 10/s\n";
	const char *ov[] = { "attack.flood.rate=500/s", "run.seed=42", "run.duration=3s",
	                     "kernel.net.ipv4.tcp_syncookies=2",
	                     "kernel.clients.net.ipv4.tcp_syn_retries=2",
	                     "link.new.delay=5ms", "server.MaxRequestWorkers=10" };
	assert_int_equal(load_text(&scn, text, ov, 7, &errs), 0);
	assert_true(scn.population[0].rate_per_s == 500);
	assert_int_equal(scn.run.seed, 42);
	assert_int_equal(scn.run.duration_ns, SYNQ_SEC(3));
	assert_int_equal(scn.kernel.tcp_syncookies, 2);
	assert_int_equal(scn.client_kernel.tcp_syn_retries, 2);
	assert_int_equal(scn.kernel.tcp_syn_retries, 6);
	assert_int_equal(scn.n_links, 1);
	assert_string_equal(scn.link[0].name, "new");
	assert_int_equal(scn.server.n_directives, 1);
	assert_string_equal(scn.server.directive[0].value, "10");
	scn_free(&scn);

	/* an override's error names the override as typed */
	const char *bad[] = { "attack.flood.rate=-1/s" };
	assert_int_equal(load_text(&scn, text, bad, 1, &errs), -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.item[0].text,
	                    "--set attack.flood.rate=-1/s: attack.flood.rate: negative rate "
	                    "(a rate is 0/s or more): '-1/s'");
	const char *noeq[] = { "attack.flood.rate" };
	assert_int_equal(load_text(&scn, text, noeq, 1, &errs), -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.item[0].text, "section.key=value"));
}

static void test_expect_section(void **state)
{
	(void)state;
	struct scenario scn;
	struct scn_errors errs;
	const char *text = "[expect]\nlegit_success_rate = >= 0.99\nTcpExtListenDrops = == 0\n"
	                   "test_duration = 5s\noff = kernel.net.ipv4.tcp_syncookies=0\n";
	assert_int_equal(load_text(&scn, text, NULL, 0, &errs), 0);
	const struct scn_expectations *x = scn_expectations(&scn);
	assert_non_null(x);
	assert_int_equal(x->n, 2);
	assert_int_equal(x->item[0].op, SCN_OP_GE);
	assert_true(x->item[0].value == 0.99);
	assert_true(scn_expectation_holds(&x->item[0], 1.0));
	assert_false(scn_expectation_holds(&x->item[0], 0.5));
	assert_int_equal(x->test_duration_ns, SYNQ_SEC(5));
	assert_string_equal(x->off, "kernel.net.ipv4.tcp_syncookies=0");
	scn_free(&scn);
	assert_int_equal(load_text(&scn, "[expect]\nx = about 3\n", NULL, 0, &errs), -EINVAL);
	assert_string_equal(errs.item[0].text,
	                    "t.ini:2: expect.x: expected a comparison and a number, as in >= 0.99, "
	                    "or a number and a tolerance, as in 3686 +- 5%: 'about 3'");
	/* A number and a tolerance. */
	assert_int_equal(load_text(&scn, "[expect]\nx = 3686 +- 5%\n", NULL, 0, &errs), 0);
	x = scn_expectations(&scn);
	assert_int_equal(x->item[0].op, SCN_OP_NEAR);
	assert_true(scn_expectation_holds(&x->item[0], 3686 * 1.049));
	assert_true(scn_expectation_holds(&x->item[0], 3686 * 0.951));
	assert_false(scn_expectation_holds(&x->item[0], 3686 * 1.051));
	assert_false(scn_expectation_holds(&x->item[0], 3686 * 0.949));
	scn_free(&scn);
	assert_int_equal(load_text(&scn, "[expect]\nx = 3686 +- 5\n", NULL, 0, &errs), -EINVAL);
}

/* Every default written in a key table is accepted by its own parser. */
static void test_every_default_parses(void **state)
{
	(void)state;
	static char obj[1 << 16];
	for (size_t k = 0; scn_section_kinds[k]; k++) {
		const struct scn_section_kind *kind = scn_section_kinds[k];
		for (size_t i = 0; i < kind->n_keys; i++) {
			const struct scn_key *key = &kind->keys[i];
			assert_true(key->offset < sizeof obj - 256);
			if (key->def == NULL)
				continue;
			const char *err = scn_key_set(key, obj, key->def);
			if (err)
				fail_msg("[%s] %s default '%s': %s", kind->name, key->name, key->def, err);
		}
	}
}

/* docs/scenarios.md lists every key of every section. */
static void test_docs_list_every_key(void **state)
{
	(void)state;
	FILE *f = fopen("docs/scenarios.md", "r");
	assert_non_null(f);
	static char doc[1 << 17];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (size_t k = 0; scn_section_kinds[k]; k++) {
		const struct scn_section_kind *kind = scn_section_kinds[k];
		char header[96];
		snprintf(header, sizeof header, "[%s%s]", kind->name, kind->named ? ".NAME" : "");
		if (!strstr(doc, header))
			fail_msg("docs/scenarios.md does not document section %s", header);
		for (size_t i = 0; i < kind->n_keys; i++) {
			char cell[96];
			snprintf(cell, sizeof cell, "| `%s` |", kind->keys[i].name);
			if (!strstr(doc, cell))
				fail_msg("docs/scenarios.md does not document [%s] %s", kind->name,
				         kind->keys[i].name);
		}
	}
}

/* Each bad file gives exactly the one error line it announces, and a run
 * of it stops before anything starts (exit status 2). */
static void test_bad_files(void **state)
{
	(void)state;
	DIR *d = opendir(BAD_DIR);
	assert_non_null(d);
	unsigned files = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini"))
			continue;
		char path[512], first[512];
		snprintf(path, sizeof path, "%s/%s", BAD_DIR, de->d_name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(first, sizeof first, f));
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		assert_true(!strncmp(first, "; error: ", 9));
		char want[600];
		snprintf(want, sizeof want, "%s/%s", BAD_DIR, first + 9);
		struct scenario scn;
		struct scn_errors errs;
		assert_int_equal(scn_load(&scn, path, NULL, NULL, 0, &errs), -EINVAL);
		if (errs.count != 1 || strcmp(errs.item[0].text, want))
			fail_msg("%s: %u errors, first '%s', wanted '%s'", path, errs.count,
			         errs.count ? errs.item[0].text : "", want);
		struct scn_run_options o = { .path = path, .quiet = true };
		assert_int_equal(scn_run(&o), SCN_RUN_BAD_INPUT);
		files++;
	}
	closedir(d);
	assert_true(files >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_rates_and_sizes),
		cmocka_unit_test(test_distributions),
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_expect_section),
		cmocka_unit_test(test_every_default_parses),
		cmocka_unit_test(test_docs_list_every_key),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

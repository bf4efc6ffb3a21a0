/* SPDX-License-Identifier: BSD-2-Clause */
/* Every shipped scenario (scenarios/ and scenarios/seeds/) states its
 * expected outcome in [expect] and the setting behind it in `off`. Each
 * is run twice at its test_duration: as written, where every expectation
 * must hold, and with `off` applied, where at least one must fail: an
 * outcome that survives switching its mechanism off was not caused by it.
 * One cmocka test per file, named after it. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/run.h"

#define FILES_MAX 64

static char paths[FILES_MAX][512];
static unsigned n_paths;

static void collect(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) && n_paths < FILES_MAX) {
		size_t len = strlen(de->d_name);
		if (len > 4 && len < 200 && !strcmp(de->d_name + len - 4, ".ini"))
			snprintf(paths[n_paths++], sizeof paths[0], "%.100s/%.200s", dir, de->d_name);
	}
	closedir(d);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void run_shipped(void **state)
{
	const char *path = *state;
	struct scn_run_options on = { .path = path, .quiet = true, .short_run = true,
	                              .check = SCN_CHECK_ON };
	if (scn_run(&on) != SCN_RUN_OK)
		fail_msg("%s: an expectation does not hold (run synq sim %s --short --check)",
		         path, path);
	struct scn_run_options off = on;
	off.check = SCN_CHECK_OFF;
	if (scn_run(&off) != SCN_RUN_OK)
		fail_msg("%s: every expectation still holds with its mechanism off "
		         "(synq sim %s --short --check-off)", path, path);
}

int main(void)
{
	collect("scenarios");
	collect("scenarios/seeds");
	qsort(paths, n_paths, sizeof paths[0], by_name);
	struct CMUnitTest tests[FILES_MAX];
	for (unsigned i = 0; i < n_paths; i++)
		tests[i] = (struct CMUnitTest){ .name = paths[i], .test_func = run_shipped,
		                                .initial_state = paths[i] };
	if (n_paths < 8) {
		fprintf(stderr, "only %u shipped scenarios found under scenarios/\n", n_paths);
		return 1;
	}
	return _cmocka_run_group_tests("shipped scenarios", tests, n_paths, NULL, NULL);
}

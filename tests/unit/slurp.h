/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TESTS_SLURP_H
#define SYNQ_TESTS_SLURP_H

/* Test support: a whole file read into memory (cmocka tests only). */

#include <stdio.h>
#include <stdlib.h>

/* DIR/NAME's bytes (NUL terminated, *len without it; the caller frees),
 * or NULL when it cannot be opened. */
static inline char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	int n_path = snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_true(n_path > 0 && (size_t)n_path < sizeof path);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

#endif

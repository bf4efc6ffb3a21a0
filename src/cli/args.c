/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line option helpers shared by the subcommands. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

bool cli_option_match(int argc, char **argv, int *i, const char *command,
                      const char *name, const char **value)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return true;
	}
	if (arg[n] != '\0')
		return false;
	if (*i + 1 >= argc) {
		fprintf(stderr, "synq %s: option %s needs a value\n", command, name);
		*value = NULL;
		return true;
	}
	*value = argv[++*i];
	return true;
}

bool cli_parse_u64(const char *command, const char *option, const char *text,
                   uint64_t *out)
{
	char *end;
	errno = 0;
	/* strtoull() skips blanks and takes a sign (" -5" wraps to a huge
	 * number): the text must start with a digit. */
	unsigned long long v = isdigit((unsigned char)text[0]) ? strtoull(text, &end, 0) : 0;
	if (!isdigit((unsigned char)text[0]) || errno || end == text || *end != '\0') {
		fprintf(stderr, "synq %s: %s wants a non-negative integer, not '%s'\n",
		        command, option, text);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_probability(const char *command, const char *option,
                           const char *text, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
		fprintf(stderr, "synq %s: %s wants a probability in [0, 1], not '%s'\n",
		        command, option, text);
		return false;
	}
	*out = v;
	return true;
}

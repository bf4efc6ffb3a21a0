/* SPDX-License-Identifier: BSD-2-Clause */
/* synq backlog: measure, by simulation, how many connections a listener
 * queues for each backlog, under each personality, and print the result
 * in the layout of UNP's Table 4.6. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "synq/measure.h"

/* Table 4.6's column order, then today's Linux and Windows. */
static const enum synq_personality table_order[] = {
	SYNQ_PERSONALITY_BSD,       SYNQ_PERSONALITY_LINUX_2_4,   SYNQ_PERSONALITY_HPUX_11,
	SYNQ_PERSONALITY_FREEBSD,   SYNQ_PERSONALITY_SOLARIS_2_9, SYNQ_PERSONALITY_LINUX,
	SYNQ_PERSONALITY_WINDOWS,
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: synq backlog [--max N] [--personality P|all] [--seed N]\n\n"
	        "Simulate UNP's backlog experiment as its program ran it: a server that\n"
	        "never accepts, a client that connects one connection after another, each\n"
	        "under a 2 s alarm, and counts the connects that returned before the first\n"
	        "one timed out (or was refused); one row per backlog 0..N (default 14, at\n"
	        "most 4096, the default somaxconn).\n"
	        "Personalities: linux (today), linux-2.4, bsd, freebsd, hpux-11,\n"
	        "solaris-2.9, windows, or all (default). Columns marked * have no\n"
	        "published mechanism: they are UNP's measurements (backlog 0..14),\n"
	        "extended past 14 by the closed form that fits them.\n");
}

int cli_backlog(int argc, char **argv)
{
	uint64_t max = 14, seed = 1;
	enum synq_personality only = SYNQ_PERSONALITY__COUNT; /* all */
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_EXIT_OK;
		} else if (cli_option_match(argc, argv, &i, "backlog", "--max", &v)) {
			if (v == NULL || !cli_parse_u64("backlog", "--max", v, &max))
				return CLI_EXIT_USAGE;
			if (max > 4096) {
				fprintf(stderr, "synq backlog: --max is at most 4096\n");
				return CLI_EXIT_USAGE;
			}
		} else if (cli_option_match(argc, argv, &i, "backlog", "--seed", &v)) {
			if (v == NULL || !cli_parse_u64("backlog", "--seed", v, &seed))
				return CLI_EXIT_USAGE;
		} else if (cli_option_match(argc, argv, &i, "backlog", "--personality", &v)) {
			if (v == NULL)
				return CLI_EXIT_USAGE;
			if (strcmp(v, "all") != 0) {
				int p = synq_personality_from_name(v);
				if (p < 0) {
					fprintf(stderr, "synq backlog: unknown personality '%s'\n", v);
					usage(stderr);
					return CLI_EXIT_USAGE;
				}
				only = (enum synq_personality)p;
			}
		} else {
			fprintf(stderr, "synq backlog: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	size_t ncols = 0;
	enum synq_personality cols[SYNQ_PERSONALITY__COUNT];
	for (size_t k = 0; k < sizeof table_order / sizeof table_order[0]; k++)
		if (only == SYNQ_PERSONALITY__COUNT || table_order[k] == only)
			cols[ncols++] = table_order[k];

	bool any_measured = false, windows = false;
	printf("backlog |");
	for (size_t k = 0; k < ncols; k++) {
		bool measured = synq_personality_is_measured(cols[k]);
		any_measured |= measured;
		windows |= cols[k] == SYNQ_PERSONALITY_WINDOWS;
		printf(" %s%s |", synq_personality_name(cols[k]),
		       measured ? "*" : cols[k] == SYNQ_PERSONALITY_WINDOWS ? "+" : "");
	}
	printf("\n");
	for (uint64_t b = 0; b <= max; b++) {
		printf("%llu |", (unsigned long long)b);
		for (size_t k = 0; k < ncols; k++) {
			struct synq_backlog_result r;
			int err = synq_measure_backlog(cols[k], (int)b, seed, &r);
			if (err == -ERANGE) {
				printf("\n");
				fprintf(stderr,
				        "synq backlog: %s at backlog %llu: the client was still "
				        "getting in at %u connections; not measured\n",
				        synq_personality_name(cols[k]), (unsigned long long)b,
				        r.attempted);
				return CLI_EXIT_FAILURE;
			}
			if (err) {
				fprintf(stderr, "synq backlog: simulation failed (%d)\n", err);
				return CLI_EXIT_FAILURE;
			}
			printf(" %u |", r.completed);
		}
		printf("\n");
	}
	if (any_measured)
		printf("* measured, not modelled: UNP Table 4.6 for backlog 0..14 (no published\n"
		       "  mechanism); beyond 14, the closed form that fits the table\n");
	if (windows)
		printf("+ windows: the reset of a SYN beyond the queue is documented; the queue\n"
		       "  length is taken as the backlog (at least 1), not measured\n");
	return CLI_EXIT_OK;
}

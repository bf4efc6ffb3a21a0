/* SPDX-License-Identifier: BSD-2-Clause */
/* synq: dispatch to a subcommand. To add one, write
 * int cli_NAME(int argc, char **argv) in its own file, declare it in cli.h
 * and add a row to the table below. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "scenario/world.h"

static const struct cli_command commands[] = {
	{ "sim", cli_sim, "run a scenario file and report (docs/scenarios.md)" },
	{ "sweep", cli_sweep, "run a scenario over a grid of settings (in parallel)" },
	{ "demo", cli_demo, "the built-in scenario: a SYN flood and idle connections, before and after" },
	{ "backlog", cli_backlog, "measure queued connections per listen() backlog (UNP Table 4.6)" },
	{ "watch", cli_watch, "live listen queues, counters and diagnosis of this host (or --netns)" },
	{ "serve", cli_serve, "the stack and synq httpd on a TUN device in a network namespace, for real clients" },
	{ "conntrack", cli_conntrack, "replay packets through nf_conntrack's TCP tracking and list the table" },
	{ "httpd", cli_httpd, "HTTP/1.1 server with Apache's scoreboard on the host kernel (--kernel)" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fprintf(out, "usage: synq COMMAND [OPTIONS]\n"
	             "       synq COMMAND --help\n\n"
	             "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	scn_malloc_tune();
	if (argc < 2) {
		fprintf(stderr, "synq: no command given\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (name[0] == '-')
		fprintf(stderr, "synq: unknown option '%s' (options follow the command)\n",
		        name);
	else
		fprintf(stderr, "synq: unknown command '%s'\n", name);
	usage(stderr);
	return CLI_EXIT_USAGE;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_CLI_H
#define SYNQ_CLI_H

/* The synq command: one entry per subcommand in main.c's table. A
 * subcommand gets argv starting at its own name and returns the process
 * exit status: CLI_EXIT_OK, CLI_EXIT_FAILURE (it ran and something went
 * wrong) or CLI_EXIT_USAGE (bad arguments; it has said why on stderr). */

#include <stdbool.h>
#include <stdint.h>

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help; /* one line */
};

int cli_demo(int argc, char **argv);
int cli_sim(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_backlog(int argc, char **argv);
int cli_watch(int argc, char **argv);
int cli_httpd(int argc, char **argv);

/* Flag helpers. An option is "--name value" or "--name=value".
 * cli_option_match() returns true when argv[*i] is option name; then
 * *value is its value (consuming the next argument if needed), or NULL
 * when the value is missing (a message has been printed). */
bool cli_option_match(int argc, char **argv, int *i, const char *command,
                      const char *name, const char **value);
/* Whole-string numbers; false (with a message naming command and option)
 * when text is not one. */
bool cli_parse_u64(const char *command, const char *option, const char *text,
                   uint64_t *out);
bool cli_parse_probability(const char *command, const char *option,
                           const char *text, double *out);

/* httpd_options.c: --listen, --mpm, --config FILE, --set Directive=Value
 * into cfg. 1: argv[*i] was one of them and applied; 0: not one of them;
 * -1: it was, and was wrong (said on stderr). */
struct synq_httpd_config;
int cli_httpd_option(int argc, char **argv, int *i, const char *cmd,
                     struct synq_httpd_config *cfg);

int cli_serve(int argc, char **argv);
int cli_conntrack(int argc, char **argv);

#endif

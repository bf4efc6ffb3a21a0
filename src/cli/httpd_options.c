/* SPDX-License-Identifier: BSD-2-Clause */
/* The httpd directives as command-line options, shared by synq httpd and
 * synq serve: --listen, --mpm, --config FILE, --set Directive=Value. A
 * config file holds one Apache-style directive per line ("KeepAlive Off");
 * # starts a comment; errors name the file and line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/httpd.h"
#include "cli/cli.h"

static int apply(const char *cmd, struct synq_httpd_config *cfg, const char *where, const char *d,
                 const char *v)
{
	char err[256];
	if (synq_httpd_config_set(cfg, d, v, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "synq %s: %s: %s\n", cmd, where, err);
	return -1;
}

static int load_config(const char *cmd, struct synq_httpd_config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "synq %s: %s: %s\n", cmd, path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		char *p = line;
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strlen(p);
		while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' ||
		                 p[n - 1] == '\t' || p[n - 1] == ';'))
			p[--n] = '\0';
		if (n == 0)
			continue;
		char *sp = p + strcspn(p, " \t");
		char *value = sp;
		if (*sp) {
			*sp = '\0';
			value = sp + 1;
			while (*value == ' ' || *value == '\t')
				value++;
		}
		char where[1100];
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		if (*value == '\0') {
			fprintf(stderr, "synq %s: %s: %s needs a value\n", cmd, where, p);
			rc = -1;
		} else {
			rc = apply(cmd, cfg, where, p, value);
		}
	}
	fclose(f);
	return rc;
}


int cli_httpd_option(int argc, char **argv, int *i, const char *cmd,
                     struct synq_httpd_config *cfg)
{
	const char *v;
	if (cli_option_match(argc, argv, i, cmd, "--listen", &v))
		return v && !apply(cmd, cfg, "--listen", "Listen", v) ? 1 : -1;
	if (cli_option_match(argc, argv, i, cmd, "--mpm", &v))
		return v && !apply(cmd, cfg, "--mpm", "MPM", v) ? 1 : -1;
	if (cli_option_match(argc, argv, i, cmd, "--config", &v))
		return v && !load_config(cmd, cfg, v) ? 1 : -1;
	if (!cli_option_match(argc, argv, i, cmd, "--set", &v))
		return 0;
	if (v == NULL)
		return -1;
	char d[128];
	const char *eq = strchr(v, '=');
	if (eq == NULL || (size_t)(eq - v) >= sizeof d || eq == v) {
		fprintf(stderr, "synq %s: --set wants Directive=Value, not '%s'\n", cmd, v);
		return -1;
	}
	memcpy(d, v, (size_t)(eq - v));
	d[eq - v] = '\0';
	return apply(cmd, cfg, "--set", d, eq + 1) ? -1 : 1;
}

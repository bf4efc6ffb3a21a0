/* SPDX-License-Identifier: BSD-2-Clause */
#include "tshark_run.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

bool tshark_available(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

static void show_file(const char *path)
{
	FILE *e = fopen(path, "r");
	char line[256];
	while (e && fgets(line, sizeof line, e))
		fprintf(stderr, "  %s", line);
	if (e)
		fclose(e);
}

int tshark_run(const char *pcap, const char *args, char *out, size_t cap,
               const char *err_path)
{
	size_t cmd_len = strlen(pcap) + strlen(args) + strlen(err_path) + 32;
	char *cmd = malloc(cmd_len);
	assert_non_null(cmd);
	snprintf(cmd, cmd_len, "tshark -r '%s' %s 2>'%s'", pcap, args, err_path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t len = fread(out, 1, cap - 1, p);
	out[len] = '\0';
	while (fgetc(p) != EOF)
		; /* drain what did not fit */
	int status = pclose(p);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tshark failed (status %d): %s\n", status, cmd);
		show_file(err_path);
		free(cmd);
		fail_msg("tshark exited with an error");
	}
	free(cmd);
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += out[i] == '\n';
	return lines;
}

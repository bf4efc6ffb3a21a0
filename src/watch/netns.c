/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* setns() */
#include "watch/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int watch_netns_enter(const char *name, char *err, size_t cap)
{
	char path[4096];
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, cap, "--netns: '%s' is not a namespace name", name);
		return -EINVAL;
	}
	int n = strchr(name, '/') ? snprintf(path, sizeof path, "%s", name)
	                          : snprintf(path, sizeof path, "/run/netns/%s", name);
	if (n < 0 || (size_t)n >= sizeof path) {
		snprintf(err, cap, "--netns: name too long");
		return -ENAMETOOLONG;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, cap, "--netns %s: %s: %s", name, path, strerror(e));
		return -e;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(fd);
		snprintf(err, cap, "--netns %s: setns: %s%s", name, strerror(e),
		         e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return -e;
	}
	close(fd);
	return 0;
}

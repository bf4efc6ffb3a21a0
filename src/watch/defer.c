/* SPDX-License-Identifier: BSD-2-Clause */
#include "watch/defer.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "watch/sample.h"

/* Upper bound on fd links read in one scan. */
#define MAX_FD_LINKS (4u << 20)

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int watch_defer_parse_link(const char *link, size_t len, uint32_t *inode)
{
	static const char prefix[] = "socket:[";
	size_t p = sizeof prefix - 1;
	if (len < p + 2 || memcmp(link, prefix, p) != 0 || link[len - 1] != ']')
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = p; i < len - 1; i++) {
		if (!isdigit((unsigned char)link[i]))
			return -EINVAL;
		v = v * 10 + (uint64_t)(link[i] - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*inode = (uint32_t)v;
	return 0;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Borrow the fd through the owner's pidfd and read TCP_DEFER_ACCEPT; -1
 * when not allowed. */
static int read_defer(int pidfd, int fd)
{
	if (pidfd < 0)
		return -1;
	int mine = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (mine < 0)
		return -1;
	int v = -1;
	socklen_t len = sizeof v;
	if (getsockopt(mine, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, &len) < 0)
		v = -1;
	close(mine);
	return v;
}

static void read_comm(int pid, char *comm, size_t cap)
{
	char path[64], buf[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	long n = watch_read_file(path, buf, sizeof buf);
	if (n <= 0) {
		comm[0] = '\0';
		return;
	}
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	size_t len = strnlen(buf, cap - 1); /* TASK_COMM_LEN: 15 and a NUL */
	memcpy(comm, buf, len);
	comm[len] = '\0';
}

/* What is looked up once per process, on its first listener. */
struct owner {
	int pid;
	int pidfd;     /* -1: not opened yet or refused */
	bool opened;
	char comm[16];
};

static void owner_found(struct owner *o, struct watch_listener *l, int fd)
{
	if (!o->opened) {
		o->opened = true;
		o->pidfd = (int)syscall(SYS_pidfd_open, o->pid, 0);
		read_comm(o->pid, o->comm, sizeof o->comm);
	}
	int v = read_defer(o->pidfd, fd);
	l->defer_accept_s = v >= 0 ? v : WATCH_DEFER_UNREADABLE;
	l->pid = o->pid;
	memcpy(l->comm, o->comm, sizeof l->comm);
}

size_t watch_defer_lookup(struct watch_listeners *t)
{
	size_t pending = watch_listeners_unknown_defer(t), resolved = 0;
	uint64_t links = 0;
	DIR *proc = pending ? opendir("/proc") : NULL;
	struct dirent *pe;
	while (proc && pending && links < MAX_FD_LINKS && (pe = readdir(proc))) {
		if (!all_digits(pe->d_name))
			continue;
		char dir[sizeof pe->d_name + 16];
		snprintf(dir, sizeof dir, "/proc/%s/fd", pe->d_name);
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		DIR *fds = fdopendir(dfd);
		if (fds == NULL) {
			close(dfd);
			continue;
		}
		struct owner owner = { .pid = atoi(pe->d_name), .pidfd = -1 };
		struct dirent *fe;
		while (pending && links < MAX_FD_LINKS && (fe = readdir(fds))) {
			if (!all_digits(fe->d_name))
				continue;
			char link[64];
			links++;
			ssize_t n = readlinkat(dirfd(fds), fe->d_name, link, sizeof link);
			uint32_t inode;
			if (n <= 0 || watch_defer_parse_link(link, (size_t)n, &inode))
				continue;
			struct watch_listener *l = watch_listeners_by_inode(t, inode);
			if (l == NULL || l->defer_accept_s != WATCH_DEFER_UNKNOWN)
				continue;
			owner_found(&owner, l, atoi(fe->d_name));
			pending--;
			resolved++;
		}
		closedir(fds);
		if (owner.pidfd >= 0)
			close(owner.pidfd);
	}
	if (proc)
		closedir(proc);
	/* What was not found is not looked for again on its own. */
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].defer_accept_s == WATCH_DEFER_UNKNOWN)
			t->v[i].defer_accept_s = WATCH_DEFER_UNREADABLE;
	return resolved;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* What the packetdrill driver takes from and gives to its surroundings:
 * the --so_flags string, the sysctl file the conformance runner's
 * stand-ins write
 * (PD_SYSCTL_FILE), the counters file its nstat shim reads
 * (PD_NSTAT_FILE), and, for PD_PRELOAD=1, the getsockopt() and close()
 * that packetdrill calls directly.
 *
 * The preload wrappers. scripts/conformance.sh also LD_PRELOADs this
 * library, so packetdrill's own calls to getsockopt() (TCP_INFO,
 * TCP_CC_INFO and SO_MEMINFO for %{ }% blocks) and close() (its teardown)
 * land here. A descriptor one of our instances handed out is answered by
 * that instance; any other goes to the next definition, libc's
 * (dlsym(RTLD_NEXT)). Nothing runs at load time: every child shell
 * packetdrill starts inherits LD_PRELOAD, and for them these wrappers
 * are a counter test and a call through. The driver itself never calls
 * close() or getsockopt() by name (RTLD_DEEPBIND would bind those calls
 * to the wrappers); it uses pd_real_close(). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "drivers/packetdrill.h"
#include "ip/ipv4.h"
#include "synq/socket.h"

/* -------------------------------------------------------------- flags */

void pd_flags_parse(struct pd_flags *f, const char *text)
{
	snprintf(f->ip, sizeof f->ip, "ipv4");
	f->local_ip = 0xc0a80001;  /* 192.168.0.1, the runner's local_ip */
	f->remote_ip = 0xc0000201; /* 192.0.2.1 */
	f->mtu = 1500;
	f->mss = 0;
	f->hz = -1;
	if (text == NULL)
		return;
	char *copy = strdup(text);
	if (copy == NULL)
		return;
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *key = item, *value = eq + 1;
		unsigned long long n = strtoull(value, NULL, 0);
		uint32_t addr;
		if (strcmp(key, "ip") == 0)
			snprintf(f->ip, sizeof f->ip, "%s", value);
		else if (strcmp(key, "local_ip") == 0 && ipv4_addr_parse(value, &addr))
			f->local_ip = addr;
		else if (strcmp(key, "remote_ip") == 0 && ipv4_addr_parse(value, &addr))
			f->remote_ip = addr;
		else if (strcmp(key, "mtu") == 0 && n >= 68 && n <= 65535)
			f->mtu = (uint32_t)n;
		else if (strcmp(key, "mss") == 0 && n <= 65535)
			f->mss = (uint32_t)n;
		else if (strcmp(key, "hz") == 0 && synq_hz_supported((int32_t)n))
			f->hz = (int32_t)n;
		else if (strcmp(key, "seed") == 0)
			f->seed = n;
		/* unknown keys: ignored, as the contract asks */
	}
	free(copy);
}

/* ------------------------------------------------------------ sysctls */

bool pd_sysctl_apply(struct pd *d, struct synq_config *cfg, bool force)
{
	if (d->sysctl_path == NULL)
		return false;
	struct stat st;
	if (stat(d->sysctl_path, &st) != 0)
		return false;
	long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	if (!force && st.st_size == d->sysctl_seen_size && mtime == d->sysctl_seen_mtime_ns)
		return false;
	FILE *f = fopen(d->sysctl_path, "r");
	if (f == NULL)
		return false;
	d->sysctl_seen_size = st.st_size;
	d->sysctl_seen_mtime_ns = mtime;
	/* key=value lines in the order set; applying them in order leaves
	 * the last value of each key. Keys synq does not know are skipped. */
	char line[1024];
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		char *value = eq + 1;
		/* sysctl -w "a=b" leaves quotes off; a quoted value from
		 * set_sysctls.py keeps them: strip a matching pair. */
		size_t n = strlen(value);
		if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0]) {
			value[n - 1] = '\0';
			value++;
		}
		synq_config_set(cfg, line, value);
	}
	fclose(f);
	return true;
}

/* ------------------------------------------------------------ counters */

void pd_nstat_sync(struct pd *d)
{
	if (d->nstat_path == NULL || d->stack == NULL)
		return;
	const struct synq_mib *mib = synq_stack_mib(d->stack);
	if (d->mib_ever_written && memcmp(mib, &d->mib_written, sizeof *mib) == 0)
		return;
	char small[8192];
	char *buf = small;
	size_t need = synq_mib_format(mib, small, sizeof small, 1);
	if (need >= sizeof small) {
		buf = malloc(need + 1);
		if (buf == NULL)
			return;
		synq_mib_format(mib, buf, need + 1, 1);
	}
	/* Write a new file and rename it over the old one, so that the
	 * nstat shim never reads half a file. */
	size_t plen = strlen(d->nstat_path);
	char *tmp = malloc(plen + 8);
	if (tmp != NULL) {
		memcpy(tmp, d->nstat_path, plen);
		memcpy(tmp + plen, ".synq~", 7);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			size_t off = 0;
			while (off < need) {
				ssize_t w = write(fd, buf + off, need - off);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
			pd_real_close(fd);
			if (off == need && rename(tmp, d->nstat_path) == 0) {
				d->mib_written = *mib;
				d->mib_ever_written = true;
			} else {
				unlink(tmp);
			}
		}
		free(tmp);
	}
	if (buf != small)
		free(buf);
}

/* ------------------------------------------------------------ registry */

/* Which instance handed out each real fd. The wrappers test this without
 * a lock, so that a close() or getsockopt() of any other fd (packetdrill
 * reads /proc while its syscall thread runs, child shells close files)
 * never waits for a driver's mutex. */
static _Atomic(struct pd *) fd_owner[PD_MAX_FDS];
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int registry_count;

void pd_registry_add(struct pd *d)
{
	(void)d;
	atomic_fetch_add(&registry_count, 1);
}

void pd_registry_remove(struct pd *d)
{
	pthread_mutex_lock(&registry_mu);
	for (int fd = 0; fd < PD_MAX_FDS; fd++)
		if (atomic_load(&fd_owner[fd]) == d)
			atomic_store(&fd_owner[fd], NULL);
	atomic_fetch_sub(&registry_count, 1);
	pthread_mutex_unlock(&registry_mu);
}

/* Called with d->mu held, so without the registry lock (which comes
 * first): a wrapper re-reads the owner under the registry lock and then
 * checks the instance's own map under its mutex. */
void pd_registry_own(struct pd *d, int fd, bool own)
{
	if (fd >= 0 && fd < PD_MAX_FDS)
		atomic_store(&fd_owner[fd], own ? d : NULL);
}

int synq_packetdrill_instances(void)
{
	return atomic_load(&registry_count);
}

/* The instance that handed out fd, locked, with the registry lock held;
 * NULL (nothing locked) if none. Lock order: registry, then instance. */
static struct pd *owner_lock(int fd)
{
	if (fd < 0 || fd >= PD_MAX_FDS || atomic_load(&fd_owner[fd]) == NULL)
		return NULL;
	pthread_mutex_lock(&registry_mu);
	struct pd *d = atomic_load(&fd_owner[fd]);
	if (d != NULL) {
		pd_lock(d);
		if (pd_fd_lookup(d, fd) >= 0)
			return d;
		pd_unlock(d);
	}
	pthread_mutex_unlock(&registry_mu);
	return NULL;
}

static void owner_unlock(struct pd *d)
{
	pd_unlock(d);
	pthread_mutex_unlock(&registry_mu);
}

/* ------------------------------------------------------ preload wrappers */

typedef int (*close_fn)(int);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);

static _Atomic(void *) next_close;
static _Atomic(void *) next_getsockopt;

/* The libc function this wrapper hides (dlsym(RTLD_NEXT)), looked up once;
 * NULL if there is none but ourselves. */
static void *next_function(_Atomic(void *) *slot, const char *name, void *self)
{
	void *p = atomic_load(slot);
	if (p == NULL) {
		p = dlsym(RTLD_NEXT, name);
		if (p == self)
			p = NULL;
		if (p != NULL)
			atomic_store(slot, p);
	}
	return p;
}

/* End a call on an fd the driver owns: 0, or -1 with errno. */
static int owned_result(struct pd *d, int r)
{
	pd_after(d);
	owner_unlock(d);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

int close(int fd)
{
	struct pd *d = owner_lock(fd);
	if (d != NULL)
		return owned_result(d, pd_close_fd(d, fd));
	close_fn f = (close_fn)next_function(&next_close, "close", (void *)close);
	if (f != NULL)
		return f(fd);
	return (int)syscall(SYS_close, fd);
}

int getsockopt(int fd, int level, int optname, void *restrict optval,
               socklen_t *restrict optlen)
{
	struct pd *d = owner_lock(fd);
	if (d != NULL) {
		int sfd = pd_fd_lookup(d, fd);
		return owned_result(d, pd_getsockopt_sfd(d, sfd, level, optname, optval, optlen));
	}
	getsockopt_fn f = (getsockopt_fn)next_function(&next_getsockopt, "getsockopt",
	                                               (void *)getsockopt);
	if (f != NULL)
		return f(fd, level, optname, optval, optlen);
	return (int)syscall(SYS_getsockopt, fd, level, optname, optval, optlen);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* One refresh: four inet_diag dumps (listeners of each family first, so
 * that the other sockets find them; then SYN-RECV and ESTABLISHED of each
 * family), the two MIB files, sockstat and the sysctls. */
#include "watch/sample.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "watch/defer.h"
#include "watch/diag.h"
#include "watch/tcp_states.h"

/* A dump skb is at most 32 KiB (netlink_dump() sizes it from the reader's
 * buffer and caps it there); twice that leaves room. */
#define NETLINK_BUF_BYTES (64 * 1024)
#define TEXT_BUF_BYTES (64 * 1024)

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long watch_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t used = 0;
	for (;;) {
		if (used + 1 >= cap) {
			close(fd);
			return -EFBIG;
		}
		ssize_t n = read(fd, buf + used, cap - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	return (long)used;
}

int watch_sampler_open(struct watch_sampler *s, const struct watch_sampler_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (s->cfg.max_listeners == 0)
		s->cfg.max_listeners = 65536;
	s->buf_len = NETLINK_BUF_BYTES;
	s->buf = malloc(s->buf_len);
	s->text_cap = TEXT_BUF_BYTES;
	s->text = malloc(s->text_cap);
	if (!s->buf || !s->text) {
		snprintf(s->err, sizeof s->err, "out of memory");
		watch_sampler_close(s);
		return -ENOMEM;
	}
	for (int i = 0; i < 2; i++) {
		int r = watch_listeners_init(&s->tables[i], s->cfg.max_listeners);
		if (r) {
			snprintf(s->err, sizeof s->err, "listener table of %zu: %s",
			         s->cfg.max_listeners, strerror(-r));
			watch_sampler_close(s);
			return r;
		}
		s->tables[i].port_filter = cfg->port;
	}
	s->nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (s->nl == NULL || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		snprintf(s->err, sizeof s->err, "netlink (NETLINK_SOCK_DIAG): %s", strerror(e));
		watch_sampler_close(s);
		return -e;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)now_ns(CLOCK_MONOTONIC);
	return 0;
}

void watch_sampler_close(struct watch_sampler *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	for (int i = 0; i < 2; i++)
		watch_listeners_free(&s->tables[i]);
	free(s->buf);
	free(s->text);
	s->nl = NULL;
	s->buf = NULL;
	s->text = NULL;
}

void watch_sampler_forget(struct watch_sampler *s)
{
	s->have_prev = false;
}

static int dump(struct watch_sampler *s, uint8_t family, uint32_t states,
                const struct watch_port_range *ranges, size_t n_ranges,
                struct watch_diag_feed_ctx *ctx)
{
	uint8_t req[WATCH_DIAG_REQUEST_BYTES];
	uint32_t seq = ++s->seq;
	size_t len = watch_diag_request(req, sizeof req, family, states, seq, ranges, n_ranges);
	if (mnl_socket_sendto(s->nl, req, len) < 0) {
		int e = errno;
		snprintf(s->err, sizeof s->err, "inet_diag request: %s", strerror(e));
		return -e;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, s->buf, s->buf_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			snprintf(s->err, sizeof s->err, "inet_diag reply: %s", strerror(e));
			return -e;
		}
		int err = 0;
		enum watch_diag_status st =
			watch_diag_feed(s->buf, (size_t)n, seq, s->portid, ctx, &err);
		if (st == WATCH_DIAG_DONE)
			return 0;
		if (st == WATCH_DIAG_ERROR) {
			snprintf(s->err, sizeof s->err, "inet_diag dump (%s): %s",
			         family == AF_INET ? "AF_INET" : "AF_INET6", strerror(-err));
			return err;
		}
	}
}

/* Both families: one AF_UNSPEC request, or (on a kernel that refuses it,
 * remembered) one per family. */
static int dump_both(struct watch_sampler *s, uint32_t states,
                     const struct watch_port_range *ranges, size_t n_ranges,
                     struct watch_diag_feed_ctx *ctx)
{
	if (!s->per_family) {
		struct watch_listeners *t = ctx->table;
		uint64_t listen = t->listen_total, n = t->n;
		int r = dump(s, AF_UNSPEC, states, ranges, n_ranges, ctx);
		if (r == 0)
			return 0;
		if ((r != -EINVAL && r != -EOPNOTSUPP && r != -ENOENT) || t->listen_total != listen ||
		    t->n != n)
			return r;
		s->per_family = true;
	}
	int r = dump(s, AF_INET, states, ranges, n_ranges, ctx);
	return r ? r : dump(s, AF_INET6, states, ranges, n_ranges, ctx);
}

static int read_mib(struct watch_sampler *s, const char *path, struct watch_mib *mib)
{
	long n = watch_read_file(path, s->text, s->text_cap);
	if (n < 0) {
		snprintf(s->err, sizeof s->err, "%s: %s", path, strerror((int)-n));
		return (int)n;
	}
	struct watch_parse_error where = { 0 };
	int r = watch_mib_parse(s->text, (size_t)n, mib, &where);
	if (r) {
		snprintf(s->err, sizeof s->err, "%s:%d: cannot parse near '%s'", path, where.line,
		         where.key);
		return r;
	}
	return 0;
}

static uint64_t self_rss_kib(char *buf, size_t cap)
{
	long n = watch_read_file("/proc/self/statm", buf, cap);
	unsigned long long size, resident;
	if (n <= 0 || sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

int watch_sampler_sample(struct watch_sampler *s, struct watch_frame *f)
{
	int64_t start = now_ns(CLOCK_MONOTONIC);
	memset(f, 0, sizeof *f);
	struct watch_listeners *prev = &s->tables[s->cur];
	s->cur ^= 1;
	struct watch_listeners *t = &s->tables[s->cur];
	watch_listeners_reset(t);

	struct watch_diag_feed_ctx ctx = { .table = t };
	int64_t begin = now_ns(CLOCK_MONOTONIC);
	bool count = !s->counted || s->cfg.established_every_s <= 0 ||
	             (double)(begin - s->last_count_ns) >= s->cfg.established_every_s * 1e9;
	const uint32_t others = WATCH_TCPF(WATCH_TCP_SYN_RECV) |
	                        (count ? WATCH_TCPF(WATCH_TCP_ESTABLISHED) : 0);
	/* With --port, the kernel sends that port's listeners only. */
	const struct watch_port_range only = { s->cfg.port, s->cfg.port };
	int r = dump_both(s, WATCH_TCPF(WATCH_TCP_LISTEN), &only, s->cfg.port ? 1 : 0, &ctx);
	/* Only sockets on the listeners' ports; none at all without listeners. */
	struct watch_port_range ranges[WATCH_DIAG_MAX_RANGES];
	size_t n_ranges = watch_listeners_port_ranges(t, ranges, WATCH_DIAG_MAX_RANGES);
	if (!r && n_ranges)
		r = dump_both(s, others, ranges, n_ranges, &ctx);
	if (r)
		return r;
	watch_listeners_finish(t);
	watch_listeners_carry(t, prev, !count);
	if (count) {
		s->counted = true;
		s->last_count_ns = begin;
	}

	struct watch_mib mib = { 0 };
	if ((r = read_mib(s, "/proc/net/netstat", &mib)) ||
	    (r = read_mib(s, "/proc/net/snmp", &mib)))
		return r;
	for (int id = 0; id < WATCH_SYSCTL__COUNT; id++) {
		char path[128];
		int64_t v;
		if (watch_sysctl_path((enum watch_sysctl_id)id, path, sizeof path))
			continue;
		long n = watch_read_file(path, s->text, s->text_cap);
		if (n > 0 && watch_sysctl_parse(s->text, (size_t)n, &v) == 0) {
			f->sysctl.value[id] = v;
			f->sysctl.present |= 1u << id;
		}
	}
	long n = watch_read_file("/proc/net/sockstat", s->text, s->text_cap);
	if (n > 0)
		(void)watch_sockstat_parse(s->text, (size_t)n, &f->sockstat, NULL);

	/* TCP_DEFER_ACCEPT and owners: only for sockets not seen before, and
	 * not more often than defer_rescan_s (a /proc scan reads every fd). */
	int64_t now = now_ns(CLOCK_MONOTONIC);
	if (s->cfg.defer_lookup && watch_listeners_unknown_defer(t) &&
	    (!s->scanned || (double)(now - s->last_scan_ns) >= s->cfg.defer_rescan_s * 1e9)) {
		watch_defer_lookup(t);
		s->scanned = true;
		s->last_scan_ns = now;
	}

	int64_t mono = now_ns(CLOCK_MONOTONIC);
	f->wall_ms = now_ns(CLOCK_REALTIME) / 1000000;
	f->netns = s->cfg.netns;
	f->mib = mib;
	if (s->have_prev) {
		f->mib_prev = s->prev_mib;
		f->interval_s = (double)(mono - s->prev_mono_ns) / 1e9;
		if (!(f->interval_s > 0))
			f->interval_s = 1e-9;
	}
	s->prev_mib = mib;
	s->prev_mono_ns = mono;
	s->have_prev = true;
	f->listeners = t;
	f->established_age_s = count ? 0 : (double)(mono - s->last_count_ns) / 1e9;
	f->diag_bad = ctx.bad;
	f->refresh = ++s->refresh;
	f->sample_ms = (double)(mono - start) / 1e6;
	f->rss_kib = self_rss_kib(s->text, s->text_cap);
	return 0;
}

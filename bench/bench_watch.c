/* SPDX-License-Identifier: BSD-2-Clause */
/* synq watch's refresh against `ss -ltn`, on a namespace of 10 000
 * listeners and 100 000 sockets:
 *   watch_refresh_ms       one refresh of a running synq watch: listeners
 *                          and SYN-RECV sockets by inet_diag, the /proc
 *                          files, the diagnosis and the JSON of all 10 000
 *                          listeners (to /dev/null); median of REPEATS
 *   watch_full_refresh_ms  the same plus counting the 45 000 ESTABLISHED
 *                          sockets per listener, which a running watch does
 *                          every --established-every (10 s) and --once
 *                          always
 *   ss_refresh_ms          `ss -ltn` on the same namespace in the same run,
 *                          started and waited for, output to /dev/null
 *                          (the baseline: target watch <= ss)
 *   watch_first_refresh_ms the first refresh, which also finds every
 *                          listener's owner in /proc and reads its
 *                          TCP_DEFER_ACCEPT
 *   watch_once_ms          `synq watch --once --interval 0 --json` as a
 *                          process, the like-for-like of ss
 *
 * The namespace (synq-watch-bench-PID) holds 10 000 listeners on
 * 127.0.0.1:20000-29999 and 45 000 loopback connections to them that nobody
 * accepts: 45 000 client sockets plus 45 000 children in the accept queues
 * (4 or 5 per listener) = 100 000 sockets. Sockets sit in holder processes
 * forked for the purpose, each below the file limit (RLIMIT_NOFILE is
 * raised to its hard limit in the bench's processes only); every loop is
 * bounded; the holders die with the bench (PR_SET_PDEATHSIG) and the
 * namespace is deleted on every exit path. Needs root.
 * BENCH_WATCH_PAUSE=S holds the namespace S seconds before measuring. */
#define _GNU_SOURCE /* setns(), CLONE_NEWNET */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "watch/format.h"
#include "watch/sample.h"

#define LISTENERS 10000
#define CONNECTIONS 45000
#define FIRST_PORT 20000
#ifndef REPEATS
#define REPEATS 7
#endif
#define MAX_HOLDERS 64

extern char **environ;

static char ns_name[64];
static int home_ns = -1;
static pid_t holders[MAX_HOLDERS];
static int n_holders;
static int release_fd = -1; /* closing it lets the holders go */

static int run_quiet(char *const argv[])
{
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void teardown(void)
{
	if (release_fd >= 0) {
		close(release_fd);
		release_fd = -1;
	}
	for (int i = 0; i < n_holders; i++) {
		int status;
		while (waitpid(holders[i], &status, 0) < 0 && errno == EINTR)
			;
	}
	n_holders = 0;
	if (home_ns >= 0) {
		if (setns(home_ns, CLONE_NEWNET) < 0)
			perror("bench_watch: setns back");
		close(home_ns);
		home_ns = -1;
	}
	if (ns_name[0]) {
		char *del[] = { "ip", "netns", "del", ns_name, NULL };
		if (run_quiet(del) != 0)
			fprintf(stderr, "bench_watch: could not delete netns %s\n", ns_name);
		ns_name[0] = '\0';
	}
}

static int enter_ns(void)
{
	char path[128];
	snprintf(path, sizeof path, "/run/netns/%s", ns_name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* A holder: listeners [l0, l1) and clients [c0, c1) (client i connects to
 * listener i % LISTENERS), then "ok\n" or "no\n" on ready, then wait. */
static void holder(int l0, int l1, int c0, int c1, int ready, int release)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	alarm(900); /* a bound, whatever happens to the bench */
	close(release_fd); /* only the bench keeps the write end: EOF releases */
	bool ok = enter_ns() == 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int i = l0; ok && i < l1; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		a.sin_port = htons((uint16_t)(FIRST_PORT + i));
		ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
		     bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 64) == 0;
	}
	for (int i = c0; ok && i < c1; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		a.sin_port = htons((uint16_t)(FIRST_PORT + i % LISTENERS));
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
		if (!ok)
			perror("bench_watch: holder connect");
	}
	if (write(ready, ok ? "ok\n" : "no\n", 3) != 3)
		_exit(1);
	char c;
	while (read(release, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int spawn_holder(int l0, int l1, int c0, int c1, int release_rd)
{
	int p[2];
	if (n_holders == MAX_HOLDERS || pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		holder(l0, l1, c0, c1, p[1], release_rd);
	}
	close(p[1]);
	holders[n_holders++] = pid;
	char buf[4] = "";
	ssize_t n;
	while ((n = read(p[0], buf, 3)) < 0 && errno == EINTR)
		;
	close(p[0]);
	return n == 3 && buf[0] == 'o' ? 0 : -1;
}

static int build_namespace(void)
{
	snprintf(ns_name, sizeof ns_name, "synq-watch-bench-%d", (int)getpid());
	char *add[] = { "ip", "netns", "add", ns_name, NULL };
	if (run_quiet(add) != 0) {
		ns_name[0] = '\0';
		return -1;
	}
	char *lo[] = { "ip", "-n", ns_name, "link", "set", "lo", "up", NULL };
	if (run_quiet(lo) != 0)
		return -1;
	int rel[2];
	if (pipe(rel) < 0)
		return -1;
	release_fd = rel[1];

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	long per = (long)rl.rlim_cur - 64;
	if (per > 15000)
		per = 15000;
	if (per < 1000) {
		fprintf(stderr, "bench_watch: RLIMIT_NOFILE %ld is too small\n", (long)rl.rlim_cur);
		return -1;
	}
	/* Listeners first, in as many holders as the limit asks for. */
	for (int l = 0; l < LISTENERS; l += (int)per) {
		int l1 = l + (int)per < LISTENERS ? l + (int)per : LISTENERS;
		if (spawn_holder(l, l1, 0, 0, rel[0]))
			return -1;
	}
	for (int c = 0; c < CONNECTIONS; c += (int)per) {
		int c1 = c + (int)per < CONNECTIONS ? c + (int)per : CONNECTIONS;
		if (spawn_holder(0, 0, c, c1, rel[0]))
			return -1;
	}
	close(rel[0]);
	return enter_ns();
}

static double refresh_once(struct watch_sampler *s, struct watch_frame *f, FILE *sink)
{
	double t0 = bench_now_s();
	if (watch_sampler_sample(s, f)) {
		fprintf(stderr, "bench_watch: %s\n", s->err);
		return -1;
	}
	watch_diagnose(f);
	watch_json_write(sink, f);
	fflush(sink);
	return (bench_now_s() - t0) * 1e3;
}

static double time_process(char *const argv[])
{
	double t0 = bench_now_s();
	if (run_quiet(argv) != 0)
		return -1;
	return (bench_now_s() - t0) * 1e3;
}

static int measure(const char *synq)
{
	struct watch_sampler s;
	struct watch_sampler_config cfg = { .max_listeners = 65536, .defer_lookup = true,
	                                    .defer_rescan_s = 1e9, .established_every_s = 1e9 };
	if (watch_sampler_open(&s, &cfg)) {
		fprintf(stderr, "bench_watch: %s\n", s.err);
		return -1;
	}
	struct watch_frame *f = calloc(1, sizeof *f);
	FILE *sink = fopen("/dev/null", "w");
	int rc = -1;
	double first, w[REPEATS], full[REPEATS], ss[REPEATS], once[REPEATS];
	if (f == NULL || sink == NULL || (first = refresh_once(&s, f, sink)) < 0)
		goto out;
	printf("bench_watch: namespace %s: %llu TCP sockets (sockstat inuse), %llu listeners, "
	       "%llu established on them\n",
	       ns_name, (unsigned long long)f->sockstat.inuse,
	       (unsigned long long)f->listeners->listen_total,
	       (unsigned long long)f->listeners->established_total);
	if (f->listeners->listen_total != LISTENERS || f->listeners->established_total != CONNECTIONS ||
	    f->sockstat.inuse < LISTENERS + 2 * CONNECTIONS) {
		fprintf(stderr, "bench_watch: the namespace is not as built\n");
		goto out;
	}
	char *ss_argv[] = { "ss", "-ltn", NULL };
	char *once_argv[] = { (char *)synq, "watch", "--once", "--interval", "0", "--json", NULL };
	/* Interleaved, so that the machine's noise falls on both alike. */
	for (int i = 0; i < REPEATS; i++) {
		s.cfg.established_every_s = 1e9;
		if ((w[i] = refresh_once(&s, f, sink)) < 0 || (ss[i] = time_process(ss_argv)) < 0)
			goto out;
		s.cfg.established_every_s = 0;
		if ((full[i] = refresh_once(&s, f, sink)) < 0)
			goto out;
		if (f->listeners->established_total != CONNECTIONS) {
			fprintf(stderr, "bench_watch: a full refresh counted %llu established\n",
			        (unsigned long long)f->listeners->established_total);
			goto out;
		}
		once[i] = synq ? time_process(once_argv) : -1;
	}
	double wm = bench_median(w, REPEATS), sm = bench_median(ss, REPEATS);
	bench_line_vs("watch_refresh_ms", wm, "ms", "ss_refresh_ms", sm);
	bench_line("ss_refresh_ms", sm, "ms");
	double fm = bench_median(full, REPEATS);
	bench_line_vs("watch_full_refresh_ms", fm, "ms", "ss_refresh_ms", sm);
	bench_line("watch_first_refresh_ms", first, "ms");
	if (synq && once[0] >= 0)
		bench_line_vs("watch_once_ms", bench_median(once, REPEATS), "ms", "ss_refresh_ms", sm);
	printf("bench_watch: medians of %d: refresh %.1f ms, with ESTABLISHED counted %.1f ms, "
	       "ss -ltn %.1f ms; first refresh %.1f ms; resident %llu KiB\n",
	       REPEATS, wm, fm, sm, first, (unsigned long long)f->rss_kib);
	rc = 0;
out:
	if (sink)
		fclose(sink);
	free(f);
	watch_sampler_close(&s);
	return rc;
}

static void on_signal(int sig)
{
	(void)sig; /* loops are bounded; teardown runs on the way out */
}

int main(int argc, char **argv)
{
	(void)argc;
	if (geteuid() != 0) {
		printf("skip: bench_watch needs root (network namespaces)\n");
		return 0;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();

	/* The synq binary next to the bench directory, for watch_once_ms. */
	static char synq[4096];
	const char *slash = strrchr(argv[0], '/');
	snprintf(synq, sizeof synq, "%.*s/../synq", slash ? (int)(slash - argv[0]) : 1,
	         slash ? argv[0] : ".");
	bool have_synq = access(synq, X_OK) == 0;

	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	double t0 = bench_now_s();
	int rc = 1;
	if (home_ns < 0 || build_namespace() != 0) {
		fprintf(stderr, "bench_watch: could not build the namespace\n");
	} else {
		printf("bench_watch: built in %.1f s\n", bench_now_s() - t0);
		/* BENCH_WATCH_PAUSE=S keeps the namespace S seconds (at most 600)
		 * before measuring, for comparing by hand (ip netns exec NAME ...). */
		const char *pause_s = getenv("BENCH_WATCH_PAUSE");
		if (pause_s) {
			int secs = atoi(pause_s);
			printf("bench_watch: holding %s for %d s\n", ns_name, secs > 600 ? 600 : secs);
			fflush(stdout);
			sleep((unsigned)(secs > 600 ? 600 : secs > 0 ? secs : 0));
		}
		rc = measure(have_synq ? synq : NULL) == 0 ? 0 : 1;
	}
	teardown();
	return rc;
}

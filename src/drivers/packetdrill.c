/* SPDX-License-Identifier: BSD-2-Clause */
/* The packetdrill driver's core: the entry point, the virtual clock, the
 * two packet directions and the blocking waits.
 *
 * Time. packetdrill keeps no clock of its own in .so mode: it reads ours
 * through gettimeofday and sleeps through usleep. The clock is virtual, in
 * microseconds, and moves only here:
 *   gettimeofday  +1 us per call (packetdrill spins on it for the last
 *                 20 us before an event), then due timers fire;
 *   usleep(n)     forward n us, firing every timer at its own time, so
 *                 that what a timer sends carries that time;
 *   netdev_receive with nothing queued: forward to the stack's next
 *                 deadline, fire, repeat until a datagram comes out, or
 *                 answer "nothing" (*count = 0) when no deadline is left
 *                 or the next one lies beyond a horizon.
 * The stack's clock is the same one in nanoseconds.
 *
 * Blocking calls. A call on a blocking socket that synq answers with
 * -EAGAIN registers a waiter (descriptor, poll events wanted) and sleeps on
 * the condition variable. Whatever changes the stack (netdev_send, a timer
 * firing in usleep or gettimeofday) checks the waiters; one whose events
 * are now met is marked ready and woken, and the call is retried.
 *
 * The return-time race. packetdrill stamps a blocking call's return with a
 * gettimeofday from the syscall thread after the call has left us. If the
 * main thread moved the clock in between (usleep towards the next line,
 * netdev_receive waiting out a delayed ACK), the stamp would be late. So a
 * woken call holds the clock: from the moment it is marked ready until
 * that thread's next gettimeofday (or until it goes back to sleep, as a
 * blocking write does between ACKs), usleep and netdev_receive wait before
 * moving time. The wait has a real-time cap, after which the hold is given
 * up, so a caller that never reads the clock only costs a pause.
 *
 * Both of packetdrill's threads move the clock: the syscall thread waits
 * for its call's start time with usleep and gettimeofday too. A blocking
 * call made without a time range runs on the main thread, and then, as
 * with the kernel, nothing wakes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>

#include "drivers/packetdrill.h"
#include "synq/socket.h"

/* Any epoch works; packetdrill only looks at differences. */
#define PD_EPOCH_US 1000000000LL
/* netdev_receive gives up when the next deadline is this far ahead. */
#define PD_RECEIVE_HORIZON_US (3600LL * 1000000)
/* Timer runs one netdev_receive or usleep may make before giving up. */
#define PD_MAX_TIMER_RUNS 1000000
/* Real time a clock mover waits for a woken call's return stamp. */
#define PD_HOLD_CAP_MS 1000
#define PD_SEED_DEFAULT 0x5eed5eed5eedULL

/* The hold this thread owes (see the essay above). */
static _Thread_local struct pd *tls_hold_pd;
static _Thread_local uint64_t tls_hold_gen;

void pd_lock(struct pd *d)
{
	pthread_mutex_lock(&d->mu);
}

void pd_unlock(struct pd *d)
{
	pthread_mutex_unlock(&d->mu);
}

void pd_trace(struct pd *d, const char *name, long long arg)
{
	d->last_call = name;
	d->last_arg = arg;
	if (d->debug && strcmp(name, "gettimeofday") != 0)
		fprintf(stderr, "synq-pd %lld.%06lld %s(%lld) [tid %ld]\n", d->now_us / 1000000,
		        d->now_us % 1000000, name, arg, (long)gettid());
}

long long pd_now_us(const struct pd *d)
{
	return d->now_us;
}

static synq_time_t stack_time(const struct pd *d)
{
	return SYNQ_USEC(d->now_us);
}

/* ------------------------------------------------------------- output */

static void on_output(void *ctx, const uint8_t *datagram, size_t len)
{
	struct pd *d = ctx;
	struct pd_packet *p = malloc(sizeof *p + len);
	if (p == NULL)
		return; /* lost, as a full device queue would lose it */
	p->next = NULL;
	p->time_us = d->now_us;
	p->len = len;
	memcpy(p->data, datagram, len);
	if (d->out_tail)
		d->out_tail->next = p;
	else
		d->out_head = p;
	d->out_tail = p;
	d->out_count++;
}

struct synq_stack *pd_stack(struct pd *d)
{
	if (d->stack != NULL) {
		/* A sysctl set by a timed command since the last look. */
		if (pd_sysctl_apply(d, synq_stack_config(d->stack), false))
			d->activity++;
		/* Socket calls run at the stack's time of its last input or
		 * advance: bring it to now, or what the call arms (an RTO
		 * after close()) would count from a stale time. */
		if (synq_stack_now(d->stack) < stack_time(d)) {
			synq_stack_advance(d->stack, stack_time(d));
			d->activity++;
		}
		return d->stack;
	}
	synq_config_default(&d->cfg);
	if (d->flags.hz >= 0)
		d->cfg.hz = d->flags.hz;
	if (d->flags.mtu)
		d->cfg.mtu = d->flags.mtu;
	pd_sysctl_apply(d, &d->cfg, true);
	struct synq_stack_io io = { .output = on_output, .ctx = d };
	if (synq_stack_new(&d->stack, &d->cfg, d->flags.local_ip, d->flags.seed, &io) != 0) {
		d->stack = NULL;
		return NULL;
	}
	/* The stack starts at time 0; bring it to ours. */
	synq_stack_advance(d->stack, stack_time(d));
	pd_nstat_sync(d);
	return d->stack;
}

/* -------------------------------------------------------------- fd map */

int pd_real_close(int fd)
{
	/* Not close(): under RTLD_DEEPBIND that would be our own wrapper. */
	return (int)syscall(SYS_close, fd);
}

int pd_fd_new(struct pd *d, int sfd, enum pd_fd_kind kind)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fd >= PD_MAX_FDS) {
		pd_real_close(fd);
		return -EMFILE;
	}
	if (fd >= d->fds_cap) {
		int cap = d->fds_cap ? d->fds_cap : 64;
		while (cap <= fd)
			cap *= 2;
		struct pd_fd *grown = realloc(d->fds, (size_t)cap * sizeof *grown);
		if (grown == NULL) {
			pd_real_close(fd);
			return -ENOMEM;
		}
		memset(grown + d->fds_cap, 0, (size_t)(cap - d->fds_cap) * sizeof *grown);
		d->fds = grown;
		d->fds_cap = cap;
	}
	d->fds[fd].sfd = sfd;
	d->fds[fd].kind = (uint8_t)kind;
	pd_registry_own(d, fd, true);
	return fd;
}

int pd_fd_lookup(const struct pd *d, int fd)
{
	if (fd < 0 || fd >= d->fds_cap || d->fds[fd].kind == PD_FD_NONE)
		return -1;
	return d->fds[fd].sfd;
}

void pd_fd_forget(struct pd *d, int fd)
{
	if (fd >= 0 && fd < d->fds_cap) {
		d->fds[fd].kind = PD_FD_NONE;
		pd_registry_own(d, fd, false);
	}
}

/* ------------------------------------------------------------- waiters */

static bool waiter_satisfied(struct pd *d, const struct pd_waiter *w)
{
	if (d->dead || d->stack == NULL)
		return true;
	if (w->deadline_us && d->now_us >= w->deadline_us)
		return true;
	switch (w->kind) {
	case PD_WAIT_SOCK: {
		int ev = synq_sock_events(d->stack, w->sfd);
		return ev < 0 || (ev & w->mask) != 0;
	}
	case PD_WAIT_POLL: {
		struct pollfd tmp[64];
		nfds_t n = w->nfds < 64 ? w->nfds : 64;
		memcpy(tmp, w->fds, n * sizeof *tmp);
		return synq_poll(d->stack, tmp, n) > 0;
	}
	case PD_WAIT_ANY:
		return d->activity != w->activity;
	default:
		return true;
	}
}

/* Mark every waiter whose call can now finish, and wake it. */
static void check_waiters(struct pd *d)
{
	bool woke = false;
	for (struct pd_waiter *w = d->waiters; w; w = w->next) {
		if (w->ready || !waiter_satisfied(d, w))
			continue;
		w->ready = true;
		w->hold_gen = d->hold_gen;
		d->hold++;
		woke = true;
	}
	if (woke)
		pthread_cond_broadcast(&d->cv);
}

static void deadline_from_now(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Before moving the clock: let woken calls take their return stamps. */
static void wait_for_holds(struct pd *d)
{
	if (d->hold <= 0)
		return;
	struct timespec until;
	deadline_from_now(&until, PD_HOLD_CAP_MS);
	while (d->hold > 0 && !d->dead) {
		if (pthread_cond_timedwait(&d->cv, &d->mu, &until) == ETIMEDOUT) {
			/* Not expected with packetdrill, whose woken thread
			 * reads the clock at once: say so, then go on. */
			fprintf(stderr, "synq-pd: a woken blocking call did not read the clock "
			                "within %d ms; the clock moves on\n", PD_HOLD_CAP_MS);
			d->hold = 0;
			d->hold_gen++;
			break;
		}
	}
}

/* This thread is about to sleep again or has read the clock: it no longer
 * holds the clock. */
static void release_my_hold(struct pd *d)
{
	if (tls_hold_pd != d)
		return;
	tls_hold_pd = NULL;
	if (tls_hold_gen == d->hold_gen && d->hold > 0) {
		d->hold--;
		pthread_cond_broadcast(&d->cv);
	}
}

void pd_after(struct pd *d)
{
	check_waiters(d);
	pd_nstat_sync(d);
}

/* --------------------------------------------------------------- clock */

static long long ns_to_us_ceil(synq_time_t ns)
{
	return (long long)((ns + 999) / 1000);
}

/* The next instant something happens by itself: a stack timer or a
 * blocked call's timeout. LLONG_MAX if none. */
static long long next_event_us(const struct pd *d)
{
	long long next = LLONG_MAX;
	if (d->stack != NULL) {
		synq_time_t t = synq_stack_next_deadline(d->stack);
		if (t != SYNQ_TIME_NEVER)
			next = ns_to_us_ceil(t);
	}
	for (const struct pd_waiter *w = d->waiters; w; w = w->next)
		if (!w->ready && w->deadline_us && w->deadline_us < next)
			next = w->deadline_us;
	return next;
}

/* Fire whatever is due at the current time. */
static void run_due(struct pd *d)
{
	if (d->stack != NULL && synq_stack_next_deadline(d->stack) <= stack_time(d)) {
		synq_stack_advance(d->stack, stack_time(d));
		d->activity++;
	}
	check_waiters(d);
}

/* Move the clock to target, firing each timer at its own time and
 * letting any call a timer completes take its return stamp first. */
static void advance_to(struct pd *d, long long target)
{
	for (int runs = 0; runs < PD_MAX_TIMER_RUNS; runs++) {
		wait_for_holds(d);
		long long next = next_event_us(d);
		if (next > target)
			break;
		if (next > d->now_us)
			d->now_us = next;
		run_due(d);
	}
	wait_for_holds(d);
	if (target > d->now_us)
		d->now_us = target;
	run_due(d);
}

bool pd_block(struct pd *d, struct pd_waiter *w)
{
	release_my_hold(d);
	if (d->dead)
		return false;
	w->ready = false;
	w->activity = d->activity;
	w->next = d->waiters;
	d->waiters = w;
	while (!w->ready && !d->dead) {
		struct timespec until;
		deadline_from_now(&until, 1000);
		pthread_cond_timedwait(&d->cv, &d->mu, &until);
		/* A timeout only re-checks: blocking calls wait for ever, as
		 * they do in the kernel. */
		if (!w->ready && waiter_satisfied(d, w)) {
			w->ready = true;
			w->hold_gen = d->hold_gen;
			d->hold++;
		}
	}
	for (struct pd_waiter **pp = &d->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (w->ready) {
		/* Woken: this thread holds the clock until its next
		 * gettimeofday or its next sleep. */
		tls_hold_pd = d;
		tls_hold_gen = w->hold_gen;
	}
	return !d->dead;
}

/* ------------------------------------------------ time and packet calls */

static int pd_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
	struct pd *d = ud;
	pd_lock(d);
	pd_trace(d, "gettimeofday", 0);
	if (tv != NULL) {
		tv->tv_sec = (time_t)(d->now_us / 1000000);
		tv->tv_usec = (suseconds_t)(d->now_us % 1000000);
	}
	if (tz != NULL)
		memset(tz, 0, sizeof *tz);
	/* A woken call's return stamp: the clock may move again. */
	release_my_hold(d);
	d->now_us++;
	run_due(d);
	pd_nstat_sync(d);
	pd_unlock(d);
	return 0;
}

static int pd_usleep(void *ud, useconds_t usec)
{
	struct pd *d = ud;
	pd_lock(d);
	pd_trace(d, "usleep", (long long)usec);
	release_my_hold(d);
	advance_to(d, d->now_us + (long long)usec);
	pd_nstat_sync(d);
	pd_unlock(d);
	return 0;
}

static int pd_netdev_send(void *ud, const void *buf, size_t count)
{
	struct pd *d = ud;
	pd_lock(d);
	pd_trace(d, "netdev_send", (long long)count);
	struct synq_stack *s = pd_stack(d);
	if (s != NULL && buf != NULL && count > 0) {
		/* An oversize datagram is a GRO aggregate (a "super-packet").
		 * synq takes it whole, as Linux's TCP takes a GRO skb: one
		 * segment, one ACK decision. Splitting it would make the stack
		 * ACK every second segment where Linux ACKs the aggregate. */
		synq_stack_input(s, buf, count, stack_time(d));
		d->activity++;
	}
	pd_after(d);
	pd_unlock(d);
	return 0; /* anything else fails the script line */
}

static int pd_netdev_receive(void *ud, void *buf, size_t *count, long long *time_usecs)
{
	struct pd *d = ud;
	pd_lock(d);
	pd_trace(d, "netdev_receive", count ? (long long)*count : -1);
	release_my_hold(d);
	long long horizon = d->now_us + PD_RECEIVE_HORIZON_US;
	for (int runs = 0; d->out_head == NULL && runs < PD_MAX_TIMER_RUNS; runs++) {
		/* A woken call may be about to send (a write woken by an
		 * ACK): let it run before deciding the queue is empty. */
		wait_for_holds(d);
		if (d->out_head != NULL)
			break;
		long long next = next_event_us(d);
		if (next == LLONG_MAX || next > horizon)
			break;
		if (next > d->now_us)
			d->now_us = next;
		run_due(d);
	}
	struct pd_packet *p = d->out_head;
	if (p == NULL) {
		/* Nothing can ever come: packetdrill fails the line cleanly. */
		*count = 0;
		if (time_usecs)
			*time_usecs = d->now_us;
	} else {
		d->out_head = p->next;
		if (d->out_head == NULL)
			d->out_tail = NULL;
		d->out_count--;
		size_t n = p->len < *count ? p->len : *count;
		memcpy(buf, p->data, n);
		*count = n;
		if (time_usecs)
			*time_usecs = p->time_us;
		free(p);
	}
	pd_nstat_sync(d);
	pd_unlock(d);
	return 0; /* never "try again": packetdrill would spin for ever */
}

/* ---------------------------------------------------------- life cycle */

static void pd_free(void *ud)
{
	struct pd *d = ud;
	if (d == NULL)
		return;
	pd_registry_remove(d);
	pd_lock(d);
	pd_trace(d, "free", 0);
	if (d->waiters != NULL) {
		/* A call is still blocked (packetdrill reports that and
		 * exits): wake it with an error and leave the memory, which
		 * it still uses. */
		d->dead = true;
		pthread_cond_broadcast(&d->cv);
		pd_unlock(d);
		return;
	}
	pd_unlock(d);
	/* packetdrill closes the socket fds itself (the real close()); the
	 * other fds are ours to close. */
	for (int fd = 0; fd < d->fds_cap; fd++)
		if (d->fds[fd].kind != PD_FD_NONE && d->fds[fd].kind != PD_FD_SOCKET)
			pd_real_close(fd);
	while (d->out_head) {
		struct pd_packet *p = d->out_head;
		d->out_head = p->next;
		free(p);
	}
	synq_stack_free(d->stack);
	free(d->fds);
	free(d->sysctl_path);
	free(d->nstat_path);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

/* Members packetdrill's scripts do not reach (splice, pipe): ENOSYS. */
static int pd_pipe(void *ud, int pipefd[2])
{
	struct pd *d = ud;
	pd_lock(d);
	pd_trace(d, "pipe", pipefd ? pipefd[0] : -1);
	pd_unlock(d);
	errno = ENOSYS;
	return -1;
}

static int pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
                     size_t len, unsigned int flags)
{
	struct pd *d = ud;
	(void)off_in, (void)fd_out, (void)off_out, (void)len, (void)flags;
	pd_lock(d);
	pd_trace(d, "splice", fd_in);
	pd_unlock(d);
	errno = ENOSYS;
	return -1;
}

void packetdrill_interface_init(const char *flags, struct pd_interface *ifc)
{
	struct pd *d = calloc(1, sizeof *d);
	if (d == NULL)
		abort(); /* packetdrill would call through NULL members */
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutex_init(&d->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);

	d->flags.seed = PD_SEED_DEFAULT;
	pd_flags_parse(&d->flags, flags);
	d->now_us = PD_EPOCH_US;
	d->sysctl_seen_size = -1;
	const char *path = getenv("PD_SYSCTL_FILE");
	if (path && *path)
		d->sysctl_path = strdup(path);
	path = getenv("SYNQ_PD_DEBUG");
	d->debug = path != NULL && *path == '1';
	path = getenv("PD_NSTAT_FILE");
	if (path && *path)
		d->nstat_path = strdup(path);

	memset(ifc, 0, sizeof *ifc);
	ifc->userdata = d;
	ifc->free = pd_free;
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
	ifc->pipe = pd_pipe;
	ifc->splice = pd_splice;
	pd_calls_install(ifc);
	pd_registry_add(d);
}

const char *synq_packetdrill_last_call(void *ud, long long *arg)
{
	struct pd *d = ud;
	pd_lock(d);
	const char *name = d->last_call;
	if (arg)
		*arg = d->last_arg;
	pd_unlock(d);
	return name;
}

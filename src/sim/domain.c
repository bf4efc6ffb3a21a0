/* SPDX-License-Identifier: BSD-2-Clause */
/* Domains: one simulation on several cores, conservatively (a
 * conservative parallel discrete-event simulation with the delay of the
 * links between domains as lookahead), and with the same results on any
 * number of threads.
 *
 * Domains. sim_domain_add() gives the simulation another domain: a clock,
 * an event queue, a packet pool, a random stream and counters of its own.
 * The root (what sim_create() returned) is domain 0. A node lives in the
 * domain it was added to; its callbacks get that domain as their sim, and
 * what they schedule, send and allocate stays there. A link whose ends
 * are in different domains is cut: its delay must be above zero, and the
 * smallest delay of a cut link (either direction) is the lookahead L.
 * Which node goes where is the caller's choice (scenario/world.c: the
 * server side and the client side).
 *
 * Windows. The run advances in windows [T, E]: T is the earliest pending
 * event of any domain, E = min(T + L - 1, until, G) with G the next
 * global event. A packet sent across a cut link inside the window leaves
 * at or after T and arrives at or after T + L > E, so no domain can
 * affect another within a window: each runs its own events up to E,
 * alone (one thread per domain, or one after the other on one thread).
 *
 * Mailboxes. The sender puts such a packet (arrival computed, pcap and
 * counters of the sending end done) on out[parity][receiver], parity
 * being the window number's lowest bit. At the start of the next window
 * the receiver takes the lists addressed to it, sender by sender in
 * domain order and each in sending order, and queues the arrivals
 * (sim_link_deliver_seq(): the link's FIFO, or an event of its own). The
 * receiver keeps the buffer when it frees it, unless it has plenty: then
 * the buffer goes back on back[parity][owner], which the owner takes at
 * the start of the next window (packet.c). The other parity's lists are
 * the ones being filled meanwhile, so a barrier between windows is the
 * only synchronisation.
 *
 * Tie order. Events at the same time fire in sequence-number order, as
 * in a simulation of one domain, where a packet's number is taken when
 * it is sent. A domain's numbers go SIM_SEQ_STEP apart, and it notes the
 * number due each time its clock moves (marks); a packet handed over
 * takes a number in the gap before the first mark at or after its send
 * time, so it ties with the receiver's events as if numbered when sent
 * (before what the receiver did at that very time). A global event
 * takes a number in every domain when it is scheduled, with a mark
 * beside it, and fires after the events numbered before it, like any
 * event: a packet sent after it was scheduled that arrives at its very
 * time comes after it, as in one domain, whichever window takes the
 * packet in. Single-domain runs are unchanged, and a split one matches
 * them but for ties between the two sides at one nanosecond where the
 * order cannot be known on either side alone; where windows begin and
 * end changes no result.
 *
 * Global events. sim_event_schedule_global() schedules an event that
 * reads or changes more than one domain (a scenario's sample). Windows
 * end at its time, and it runs there with every domain stopped and every
 * clock at its time. With a single domain it is an ordinary event.
 *
 * Decisions. After each barrier every thread computes the same next step
 * from what each domain published before it (its earliest event or
 * packet in flight, whether it has work due before the next global
 * event, a stop, an error): the window schedule, and so every result, is
 * the same with one thread or many.
 *
 * Livelock bounds and sim_stop() are per domain: a domain that trips one
 * stops at once, the others finish the window, and the run ends there.
 *
 * Threads. Default: min(domains, online cores), or SYNQ_SIM_THREADS, or
 * sim_threads_set(). Thread t runs domains t, t + threads, ...; the
 * caller's thread is thread 0 and also runs the global events. The
 * barrier spins a little (about 50 us), then sleeps on a futex. Thread 0
 * keeps timing windows run by every thread against windows it runs
 * alone, and runs the next ones the faster way (pace()): on a machine
 * whose cores are busy with other work, waiting for each other at every
 * window costs more than the threads give. Neither choice changes a
 * result. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cacheline.h"
#include "sim/sim_impl.h"

/* Under valgrind the default is one thread: callgrind counts a run's
 * instructions (--toggle-collect=sim_run_until sees the calling thread
 * only), and the threads would only take turns anyway. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() false
#endif

/* Rounds of spinning before a barrier sleeps: about 50 us (23 ns a pause
 * on the 2-core EPYC VM this was tuned on). Then it yields the core for
 * up to YIELD_NS before it sleeps: a wake-up from a futex costs this VM
 * tens of microseconds, about what a window's threads wait for each
 * other, and yielding lets a thread that shares the core run. */
#define SPIN_ROUNDS 2000u
#define YIELD_NS 400000u

struct sim_barrier {
	_Atomic uint32_t arrived;
	_Atomic uint32_t gen;
	_Atomic uint32_t sleepers;
	_Atomic uint32_t n;
};

struct sim_worker {
	struct sim_par *par;
	unsigned t;
	pthread_t tid;
};

/* A global event, and where it falls among each domain's events at its
 * time: before those scheduled there after it was (a domain's sequence
 * numbers at the moment it was scheduled). */
struct global_event {
	synq_time_t at;
	uint64_t order;
	uint64_t snap[SIM_DOMAINS_MAX];
	sim_event_fn fn;
	void *arg;
};

struct sim_par {
	struct sim *dom[SIM_DOMAINS_MAX];
	unsigned n;
	synq_time_t lookahead;     /* SYNQ_TIME_NEVER: no cut link */
	/* pending global events by (at, order); changed only between windows */
	struct global_event *gev;
	uint32_t n_gev, cap_gev;
	uint64_t gev_order;
	uint64_t global_run;
	uint64_t global_exhausted;
	unsigned threads_want;     /* 0: default */
	unsigned threads;          /* 0 until the first run */
	unsigned n_workers;
	struct sim_worker workers[SIM_DOMAINS_MAX];
	struct sim_barrier bar;
	_Atomic bool exit;
	synq_time_t until;         /* of the run in progress */
	/* pacing (par_loop()): thread 0 alone for the windows after one of
	 * this parity; the window count when it hands back; the run over */
	_Atomic uint64_t solo_after; /* windows after this one: thread 0 alone */
	bool done;
	struct sim_pace {
		unsigned phase, count;
		unsigned run_len;    /* windows of the chosen way */
		bool alone;          /* the way last chosen */
		uint64_t since, par_ns, solo_ns;
		/* the domains' work in the timed windows of one parity */
		uint64_t work_since;
		unsigned work_parity;
	} pace;
	uint64_t solo_windows;
	bool pace_off;             /* SYNQ_SIM_PACE=0: every window on every thread */
	uint64_t window;           /* windows run so far */
	uint64_t globals;          /* global events run so far */
	/* Which thread runs each domain in a window of each parity: thread 0
	 * writes the other parity's from plan[] while the window runs
	 * (balance()). */
	struct {
		_Alignas(64) uint8_t thread_of[SIM_DOMAINS_MAX];
	} share[2];
	uint8_t plan[SIM_DOMAINS_MAX];
	uint64_t plan_since[SIM_DOMAINS_MAX]; /* work_ns[1] at the last plan */
	/* SYNQ_SIM_PROFILE set: wall nanoseconds each domain spent in its
	 * windows and each thread waiting at barriers, told at the end */
	bool profile;
	uint64_t busy_ns[SIM_DOMAINS_MAX];
	uint64_t busy_cpu_ns[SIM_DOMAINS_MAX]; /* the same in the thread's CPU time */
	uint64_t open_cpu_ns[SIM_DOMAINS_MAX]; /* of which taking packets in */
	uint64_t wait_ns[SIM_DOMAINS_MAX];
	uint64_t sleeps[SIM_DOMAINS_MAX];      /* window barriers waited asleep */
};

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ------------------------------------------------------------ barrier */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* True if the wait slept (the profile counts them). */
static bool barrier_wait(struct sim_barrier *b)
{
	uint32_t gen = atomic_load_explicit(&b->gen, memory_order_acquire);
	uint32_t n = atomic_load_explicit(&b->n, memory_order_relaxed);
	if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 == n) {
		atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
		atomic_store(&b->gen, gen + 1);
		if (atomic_load(&b->sleepers))
			syscall(SYS_futex, &b->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		return false;
	}
	for (uint32_t i = 0; i < SPIN_ROUNDS; i++) {
		if (atomic_load_explicit(&b->gen, memory_order_acquire) != gen)
			return false;
		cpu_relax();
	}
	uint64_t until = wall_ns() + YIELD_NS;
	do {
		sched_yield();
		if (atomic_load_explicit(&b->gen, memory_order_acquire) != gen)
			return false;
	} while (wall_ns() < until);
	atomic_fetch_add(&b->sleepers, 1);
	while (atomic_load(&b->gen) == gen)
		syscall(SYS_futex, &b->gen, FUTEX_WAIT_PRIVATE, gen, NULL, NULL, 0);
	atomic_fetch_sub(&b->sleepers, 1);
	return true;
}

/* ------------------------------------------------------------ setup */

static synq_time_t min_time(synq_time_t a, synq_time_t b)
{
	return a < b ? a : b;
}

/* A domain numbers its events SIM_SEQ_STEP apart and logs its clock,
 * to number the packets handed over to it in between (window_open()). */
static void domain_setup(struct sim *d)
{
	d->out_min = SYNQ_TIME_NEVER;
	sim_queue_spread_seq(&d->queue);
	d->seq_end = sim_queue_seq_now(&d->queue);
	d->logging = true;
}

void sim_time_mark(struct sim *sim, synq_time_t time)
{
	if (sim->n_marks == sim->cap_marks) {
		uint32_t cap = sim->cap_marks ? 2 * sim->cap_marks : 256;
		struct sim_time_mark *m = realloc_lines(sim->marks, sim->cap_marks * sizeof *m,
		                                         cap * sizeof *m);
		if (!m)
			return; /* the packets take a later number: still the same on every run */
		sim->marks = m;
		sim->cap_marks = cap;
	}
	sim->marks[sim->n_marks++] = (struct sim_time_mark){
		.time = time, .seq = sim_queue_seq_now(&sim->queue) };
}

static int par_create(struct sim *root)
{
	struct sim_par *par = calloc_lines(1, sizeof *par);
	if (!par)
		return -ENOMEM;
	par->dom[0] = root;
	par->n = 1;
	par->lookahead = SYNQ_TIME_NEVER;
	root->par = par;
	domain_setup(root);
	return 0;
}

int sim_domain_add(struct sim *sim, struct sim **out)
{
	if (!sim || !out)
		return -EINVAL;
	struct sim *root = sim->root;
	if (!root->par) {
		int err = par_create(root);
		if (err)
			return err;
	}
	struct sim_par *par = root->par;
	if (par->n == SIM_DOMAINS_MAX)
		return -ENOSPC;
	if (par->threads)
		return -EBUSY; /* the run has begun */
	struct sim *d = calloc_lines(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	int err = sim_init(d, &root->cfg);
	if (err) {
		free(d);
		return err;
	}
	d->root = root;
	d->domain = par->n;
	d->now = root->now;
	domain_setup(d);
	/* A stream of its own decided by the seed and the index, without
	 * drawing from the root's (links and models split that one). */
	uint64_t seed = root->cfg.seed ^ 0x9e3779b97f4a7c15ull * d->domain;
	sim_rng_seed(&d->rng, sim_splitmix64_next(&seed));
	par->dom[par->n++] = d;
	*out = d;
	return 0;
}

struct sim *sim_domain_root(struct sim *sim)
{
	return sim->root;
}

unsigned sim_domain_count(const struct sim *sim)
{
	const struct sim *root = sim->root;
	return root->par ? root->par->n : 1;
}

unsigned sim_domain_index(const struct sim *sim)
{
	return sim->domain;
}

int sim_par_cut_link(struct sim *root, const struct sim_link_config *cfg)
{
	if (cfg->delay_ns <= 0 || !root->par)
		return -EINVAL;
	if (cfg->delay_ns < root->par->lookahead)
		root->par->lookahead = cfg->delay_ns;
	return 0;
}

synq_time_t sim_lookahead(const struct sim *sim)
{
	const struct sim *root = sim->root;
	return root->par ? root->par->lookahead : SYNQ_TIME_NEVER;
}

int sim_threads_set(struct sim *sim, unsigned threads)
{
	struct sim *root = sim->root;
	if (threads > SIM_DOMAINS_MAX)
		return -EINVAL;
	if (!root->par)
		return 0; /* one domain: one thread */
	if (root->par->threads)
		return -EBUSY;
	root->par->threads_want = threads;
	return 0;
}

unsigned sim_threads(const struct sim *sim)
{
	const struct sim *root = sim->root;
	return root->par && root->par->threads ? root->par->threads : 1;
}

int sim_event_schedule_global(struct sim *sim, synq_time_t at, sim_event_fn fn, void *arg)
{
	struct sim *root = sim->root;
	if (!root->par)
		return sim_event_schedule(root, at, fn, arg, NULL);
	struct sim_par *par = root->par;
	if (at < root->now || at == SYNQ_TIME_NEVER || !fn)
		return -EINVAL;
	if (par->n_gev >= root->cfg.events_max) {
		par->global_exhausted++;
		return -ENOSPC;
	}
	if (par->n_gev == par->cap_gev) {
		uint32_t cap = par->cap_gev ? 2 * par->cap_gev : 8;
		struct global_event *g = realloc(par->gev, cap * sizeof *g);
		if (!g)
			return -ENOMEM;
		par->gev = g;
		par->cap_gev = cap;
	}
	struct global_event e = { .at = at, .order = par->gev_order++, .fn = fn, .arg = arg };
	for (unsigned i = 0; i < par->n; i++) {
		/* numbered in every domain, as a packet is when sent: what a
		 * domain takes in that was sent before now goes before it, what
		 * was sent later after it (handover_seq()) */
		struct sim *d = par->dom[i];
		sim_time_mark(d, d->now);
		e.snap[i] = sim_queue_take_seq(&d->queue);
	}
	uint32_t pos = par->n_gev;
	while (pos > 0 && par->gev[pos - 1].at > at)
		pos--;
	memmove(&par->gev[pos + 1], &par->gev[pos], (par->n_gev - pos) * sizeof e);
	par->gev[pos] = e;
	par->n_gev++;
	return 0;
}

void sim_par_stats_add(const struct sim *root, struct sim_stats *out)
{
	const struct sim_par *par = root->par;
	out->events_run += par->global_run;
	out->events_pending += par->n_gev;
	out->events_exhausted += par->global_exhausted;
	for (unsigned i = 0; i < par->n; i++) {
		const struct sim *d = par->dom[i];
		for (unsigned b = 0; b < 2; b++)
			for (unsigned o = 0; o < SIM_DOMAINS_MAX; o++)
				out->events_pending += d->out[b][o].n;
		if (i == 0)
			continue;
		out->events_run += d->events_run;
		out->events_pending += d->queue.len + d->fifo_pending;
		out->packets_in_use += d->packets_in_use;
		out->packets_allocated += d->packets_allocated;
		out->packets_exhausted += d->packets_exhausted;
		out->events_exhausted += d->events_exhausted;
	}
}

/* ------------------------------------------------------------ windows */


/* The sequence number of a packet sent to d at time sent in the last
 * window: after every number d gave out up to that time (the first mark
 * past it, or the window's end), before the ones it gave out later, and
 * after the packets already handed over at that point. *mark walks d's
 * marks along one sender's packets, which come in the order sent. */
static uint64_t handover_seq(struct sim *d, uint32_t *mark, synq_time_t sent)
{
	while (*mark < d->n_marks && d->marks[*mark].time < sent)
		(*mark)++;
	uint64_t base = *mark < d->n_marks ? d->marks[*mark].seq : d->seq_end;
	if (base != d->in_base) {
		d->in_base = base;
		d->in_count = 0;
	}
	if (d->in_count < SIM_SEQ_STEP - 1)
		d->in_count++; /* (65535 at one point: they tie, in heap order) */
	return base - SIM_SEQ_STEP + d->in_count;
}

/* How many packets ahead window_open() asks for a packet's first two
 * lines (its bookkeeping and the IP and TCP headers): each was written on
 * another core, and fetched one by one they would wait for each other. */
#define MAILBOX_PREFETCH 8u

int sim_mailbox_grow(struct sim_mailbox *box)
{
	uint32_t cap = box->cap ? 2 * box->cap : 256;
	struct sim_packet **pkt = realloc_lines(box->pkt, box->cap * sizeof *pkt, cap * sizeof *pkt);
	if (!pkt)
		return -ENOMEM;
	box->pkt = pkt;
	box->cap = cap;
	return 0;
}

/* The start of domain d's window of the given parity: its buffers back,
 * the packets sent to it in the previous window queued. */
static void window_open(struct sim_par *par, struct sim *d, unsigned parity)
{
	unsigned prev = parity ^ 1;
	d->parity = parity;
	for (unsigned i = 0; i < par->n; i++) {
		struct sim *o = par->dom[i];
		if (o == d)
			continue;
		struct sim_packet_list *back = &o->back[prev][d->domain];
		if (back->head) {
			back->tail->next_free = d->packet_free;
			d->packet_free = back->head;
			d->packet_free_n += back->n;
			*back = (struct sim_packet_list){ 0 };
		}
		struct sim_mailbox *in = &o->out[prev][d->domain];
		uint32_t mark = 0;
		for (uint32_t k = 0; k < in->n; k++) {
			if (k + MAILBOX_PREFETCH < in->n) {
				const char *ahead = (const char *)in->pkt[k + MAILBOX_PREFETCH];
				__builtin_prefetch(ahead, 1);      /* written here */
				__builtin_prefetch(ahead + 64, 0); /* the headers' rest */
			}
			struct sim_packet *p = in->pkt[k];
			p->seq = handover_seq(d, &mark, (synq_time_t)p->seq);
			sim_link_deliver_seq(d, p);
		}
		in->n = 0;
	}
	d->n_marks = 0;
	d->out_min = SYNQ_TIME_NEVER;
}

/* What the decision after a window needs from d. */
static void publish(struct sim_par *par, struct sim *d, unsigned parity)
{
	synq_time_t t = sim_queue_next_time(&d->queue);
	bool before = false;
	if (par->n_gev) {
		const struct global_event *g = &par->gev[0];
		before = d->out_min < g->at || t < g->at ||
		         (t == g->at && sim_queue_next_seq(&d->queue) < g->snap[d->domain]);
	}
	d->pub[parity].next = min_time(t, d->out_min);
	d->pub[parity].before_global = before;
	d->pub[parity].halt = d->stopped || d->error;
}

/* Domain d's share of a window: its events up to end, and at end only
 * those before the global event there, if any (seq_limit). */
static void window_run(struct sim_par *par, struct sim *d, unsigned parity, synq_time_t end,
                       bool to_global)
{
	uint64_t t0 = par->profile ? clock_ns(CLOCK_THREAD_CPUTIME_ID) : 0;
	window_open(par, d, parity);
	if (par->profile)
		par->open_cpu_ns[d->domain] += clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	d->error = sim_domain_run(d, end, to_global ? par->gev[0].snap[d->domain] : UINT64_MAX);
	if (!d->error && !d->stopped && d->now < end) {
		d->now = end;
		d->instant_steps = 0;
	}
	d->seq_end = sim_queue_seq_now(&d->queue);
	publish(par, d, parity);
}

/* Between windows, on thread 0 with every domain stopped: the earliest
 * global event, every clock at its time. */
static void global_run(struct sim_par *par, synq_time_t at, unsigned parity)
{
	for (unsigned i = 0; i < par->n; i++) {
		struct sim *d = par->dom[i];
		if (d->now != at) {
			d->now = at;
			d->instant_steps = 0;
		}
	}
	struct global_event e = par->gev[0];
	par->n_gev--;
	memmove(&par->gev[0], &par->gev[1], par->n_gev * sizeof e);
	par->global_run++;
	par->globals++;
	e.fn(par->dom[0], e.arg);
	/* it may have scheduled events or stopped the run */
	for (unsigned i = 0; i < par->n; i++)
		publish(par, par->dom[i], parity);
}

/* Pacing. Threads only pay when each has a core: on a machine busy with
 * other work the barrier's sleeps and wake-ups cost more than the
 * windows' work. So thread 0 times the two ways now and then (PROBE
 * windows each) and runs the next RUN windows the faster way: with every
 * thread, or alone while the others sleep at the barrier. Which thread
 * runs a domain's window never changes a result. */
#define PACE_PROBE 64u
#define PACE_RUN 512u
#define PACE_RUN_MAX 8192u

/* A run starts with every thread and times nothing for its first PROBE
 * windows: they fault in the pools' pages and fill the queues, and timed
 * against the calmer windows after them they made the threads look
 * slower than one (1.03 ms a window against 0.53; 0.46 against 0.62 from
 * then on), so a quarter of a 2 s run went on alone. After that, every
 * round times PROBE windows with every thread and runs the faster way
 * for a stretch that doubles while the same way keeps winning. The
 * threads' windows are timed against the sum of the domains' work in
 * them, what one thread would have had to do: when they beat it by a
 * quarter, they win without a probe alone (which costs what the threads
 * would have saved: a tenth of a 2 s run, 64 windows in every 600, at
 * nearly twice the time). Otherwise PROBE windows alone are timed too,
 * and going alone needs a clear win, a tenth: two threads' windows are
 * noisier, and a wrong choice holds for the whole stretch. */
enum pace_phase { PACE_WARM_UP, PACE_TIME_PAR, PACE_TIME_SOLO, PACE_RUN_CHOSEN };

/* Wall time the domains spent in windows of this parity, all threads'
 * (the windows of the other parity than the one running are over). */
static uint64_t work_of_parity(const struct sim_par *par, unsigned parity)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < par->n; i++)
		sum += par->dom[i]->work_ns[parity];
	return sum;
}

static bool pace_choose(struct sim_pace *pc, bool alone)
{
	pc->phase = PACE_RUN_CHOSEN;
	if (pc->run_len == 0 || alone != pc->alone)
		pc->run_len = PACE_RUN;
	else if (pc->run_len < PACE_RUN_MAX)
		pc->run_len *= 2;
	pc->alone = alone;
	return alone;
}

/* After window w (of parity wp) on thread 0: the way to run the windows
 * that follow. */
static bool pace(struct sim_par *par, bool solo, unsigned wp)
{
	struct sim_pace *pc = &par->pace;
	unsigned len = pc->phase == PACE_RUN_CHOSEN ? pc->run_len : PACE_PROBE;
	if (++pc->count < len)
		return solo;
	uint64_t now = wall_ns();
	uint64_t per = (now - pc->since) / len;
	pc->count = 0;
	pc->since = now;
	switch (pc->phase) {
	case PACE_TIME_PAR: {
		pc->par_ns = per;
		/* len is even: the windows of work_parity timed are len / 2 */
		uint64_t work = (work_of_parity(par, pc->work_parity) - pc->work_since) / (len / 2);
		if (4 * pc->par_ns <= 3 * work)
			return pace_choose(pc, false);
		pc->phase = PACE_TIME_SOLO;
		return true;
	}
	case PACE_TIME_SOLO:
		pc->solo_ns = per;
		return pace_choose(pc, pc->solo_ns + pc->solo_ns / 10 < pc->par_ns);
	default: /* warmed up, or a chosen stretch over: time the threads */
		pc->phase = PACE_TIME_PAR;
		pc->work_parity = 1 - wp;
		pc->work_since = work_of_parity(par, pc->work_parity);
		return false;
	}
}

/* Sharing domains among threads. A domain's windows cost what its
 * events cost, and a window lasts as long as the busiest thread's share,
 * so thread 0 deals the domains out by what their windows took lately:
 * the most expensive first, each to the thread with the least so far
 * (longest processing time first). A new plan is taken only when it cuts
 * the busiest thread's share by a tenth, so that domains do not hop
 * between cores (and caches) on noise. Which thread runs a domain never
 * changes a result. */
#define BALANCE_WINDOWS 128u /* even: the plan is made in even windows */
#define BALANCE_FIRST 16u     /* early, for pace()'s first timing */

static uint64_t plan_makespan(const struct sim_par *par, const uint8_t *plan,
                              const uint64_t *cost)
{
	uint64_t load[SIM_DOMAINS_MAX] = { 0 };
	uint64_t worst = 0;
	for (unsigned i = 0; i < par->n; i++) {
		load[plan[i]] += cost[i];
		if (load[plan[i]] > worst)
			worst = load[plan[i]];
	}
	return worst;
}

static void balance(struct sim_par *par)
{
	uint64_t cost[SIM_DOMAINS_MAX];
	unsigned order[SIM_DOMAINS_MAX];
	for (unsigned i = 0; i < par->n; i++) {
		/* windows of odd number only: they are over (the plan is made in
		 * an even one), and the next starts after the barrier */
		uint64_t now = par->dom[i]->work_ns[1];
		cost[i] = now - par->plan_since[i];
		par->plan_since[i] = now;
		unsigned k = i;
		for (; k > 0 && cost[order[k - 1]] < cost[i]; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	uint64_t load[SIM_DOMAINS_MAX] = { 0 };
	uint8_t plan[SIM_DOMAINS_MAX];
	for (unsigned k = 0; k < par->n; k++) {
		unsigned least = 0;
		for (unsigned t = 1; t < par->threads; t++)
			if (load[t] < load[least])
				least = t;
		plan[order[k]] = (uint8_t)least;
		load[least] += cost[order[k]];
	}
	if (plan_makespan(par, plan, cost) * 10 < plan_makespan(par, par->plan, cost) * 9)
		memcpy(par->plan, plan, par->n);
}

/* On thread 0 in window w, before running its share: the plan for window
 * w + 1 (the others read window w's meanwhile), made afresh now and then. */
static void share_next(struct sim_par *par, uint64_t w)
{
	if (w % BALANCE_WINDOWS == 0 || w == BALANCE_FIRST)
		balance(par);
	memcpy(par->share[(w + 1) & 1].thread_of, par->plan, par->n);
}

/* The run, as every thread sees it: the same decisions from the same
 * published values, thread t running its share of each window. Values
 * are published by window parity, so that a fast thread writing the
 * next window's cannot change what a slow one is still deciding from;
 * a global event waits until every thread has decided. When thread 0
 * goes on alone (pace()) it says from which window, before a barrier;
 * the others then wait at the barrier until it wants them again or the
 * run is over (it writes solo_after only while they run with it, so a
 * slow one cannot miss it). Returns the window count. */
static uint64_t par_loop(struct sim_par *par, unsigned t, uint64_t window)
{
	bool solo = par->threads == 1; /* thread 0's view */
	for (;;) {
		unsigned parity = (unsigned)(window & 1);
		if (t != 0 && atomic_load_explicit(&par->solo_after, memory_order_relaxed) == window) {
			barrier_wait(&par->bar); /* until thread 0 wants us */
			window = par->window;
			if (par->done)
				break;
			continue;
		}
		unsigned threads = solo ? 1 : par->threads;
		synq_time_t next = SYNQ_TIME_NEVER;
		bool halt = false, before = false;
		for (unsigned i = 0; i < par->n; i++) {
			const struct sim *d = par->dom[i];
			next = min_time(next, d->pub[parity].next);
			halt |= d->pub[parity].halt;
			before |= d->pub[parity].before_global;
		}
		if (halt)
			break;
		synq_time_t g = par->n_gev ? par->gev[0].at : SYNQ_TIME_NEVER;
		if (g <= par->until && !before) {
			if (threads > 1)
				barrier_wait(&par->bar);
			if (t == 0)
				global_run(par, g, parity);
			if (threads > 1)
				barrier_wait(&par->bar);
			continue;
		}
		if (next == SYNQ_TIME_NEVER || next > par->until)
			break;
		synq_time_t end = par->until;
		if (par->lookahead != SYNQ_TIME_NEVER && par->lookahead <= end - next)
			end = next + par->lookahead - 1;
		if (g < end)
			end = g;
		window++;
		unsigned wp = (unsigned)(window & 1);
		if (t == 0 && par->threads > 1)
			share_next(par, window);
		uint64_t t0 = wall_ns();
		uint64_t c0 = par->profile ? clock_ns(CLOCK_THREAD_CPUTIME_ID) : 0;
		for (unsigned i = 0; i < par->n; i++) {
			if (threads > 1 && par->share[wp].thread_of[i] != t)
				continue;
			struct sim *d = par->dom[i];
			window_run(par, d, wp, end, end == g);
			uint64_t t1 = wall_ns();
			d->work_ns[wp] += t1 - t0;
			if (par->profile) {
				uint64_t c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
				par->busy_ns[i] += t1 - t0;
				par->busy_cpu_ns[i] += c1 - c0;
				c0 = c1;
			}
			t0 = t1;
		}
		if (t == 0 && par->threads > 1 && !par->pace_off) {
			bool next_solo = pace(par, solo, wp);
			par->solo_windows += solo;
			if (!solo && next_solo)
				atomic_store_explicit(&par->solo_after, window, memory_order_relaxed);
			if (solo && !next_solo) {
				par->window = window;
				barrier_wait(&par->bar); /* the others join again */
			}
			solo = next_solo;
		}
		bool slept = threads > 1 && barrier_wait(&par->bar);
		if (par->profile) {
			par->wait_ns[t] += wall_ns() - t0;
			par->sleeps[t] += slept;
		}
	}
	if (t == 0 && par->threads > 1 && solo) {
		/* the others wait at the barrier: let them go */
		par->window = window;
		par->done = true;
		barrier_wait(&par->bar);
	}
	return window;
}

static void *worker_main(void *arg)
{
	struct sim_worker *w = arg;
	struct sim_par *par = w->par;
	for (;;) {
		barrier_wait(&par->bar);
		if (atomic_load(&par->exit))
			return NULL;
		par_loop(par, w->t, par->window);
		barrier_wait(&par->bar);
	}
}

static unsigned threads_default(const struct sim_par *par)
{
	unsigned want = par->threads_want;
	const char *env = getenv("SYNQ_SIM_THREADS");
	if (!want && env && *env) {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (*end == '\0' && v <= SIM_DOMAINS_MAX)
			want = (unsigned)v;
	}
	if (!want && UNDER_VALGRIND())
		want = 1;
	if (!want) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		want = cores > 0 ? (unsigned)cores : 1;
	}
	return want < par->n ? want : par->n;
}

/* Decide the thread count at the first run and start the workers; a
 * worker that cannot be started leaves its share to fewer threads. */
static void threads_start(struct sim_par *par)
{
	unsigned want = threads_default(par);
	atomic_store(&par->bar.n, 0);
	for (unsigned t = 1; t < want; t++) {
		struct sim_worker *w = &par->workers[par->n_workers];
		*w = (struct sim_worker){ .par = par, .t = t };
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
			break;
		par->n_workers++;
	}
	par->threads = par->n_workers + 1;
	for (unsigned i = 0; i < par->n; i++)
		par->plan[i] = (uint8_t)(i % par->threads);
	memcpy(par->share[0].thread_of, par->plan, par->n);
	memcpy(par->share[1].thread_of, par->plan, par->n);
	atomic_store(&par->bar.n, par->threads);
	par->profile = getenv("SYNQ_SIM_PROFILE") != NULL;
	const char *pace_env = getenv("SYNQ_SIM_PACE");
	par->pace_off = pace_env && !strcmp(pace_env, "0");
}

int sim_par_run_until(struct sim *root, synq_time_t until)
{
	struct sim_par *par = root->par;
	if (until < root->now)
		return -EINVAL;
	if (!par->threads)
		threads_start(par);
	par->until = until;
	par->done = false;
	atomic_store(&par->solo_after, UINT64_MAX);
	par->pace = (struct sim_pace){ .since = wall_ns() };
	for (unsigned i = 0; i < par->n; i++) {
		struct sim *d = par->dom[i];
		d->stopped = false;
		d->error = 0;
		d->steps = 0;
		publish(par, d, (unsigned)(par->window & 1));
	}
	if (par->threads > 1)
		barrier_wait(&par->bar); /* the workers start */
	uint64_t window = par_loop(par, 0, par->window);
	if (par->threads > 1)
		barrier_wait(&par->bar); /* and are done */
	par->window = window;
	synq_time_t last = 0;
	for (unsigned i = 0; i < par->n; i++) {
		struct sim *d = par->dom[i];
		if (d->error)
			return d->error;
		if (d->stopped)
			return 0;
		if (d->now > last)
			last = d->now;
	}
	synq_time_t to = until != SYNQ_TIME_NEVER ? until : last;
	for (unsigned i = 0; i < par->n; i++) {
		struct sim *d = par->dom[i];
		if (d->now != to) {
			d->now = to;
			d->instant_steps = 0;
		}
	}
	return 0;
}

void sim_par_destroy(struct sim *root)
{
	struct sim_par *par = root->par;
	if (!par)
		return;
	if (par->profile) {
		fprintf(stderr, "sim: %u domains on %u threads, %llu windows (%llu on thread 0 "
		        "alone; lookahead %lld ns), %llu global events\n", par->n, par->threads,
		        (unsigned long long)par->window, (unsigned long long)par->solo_windows,
		        (long long)par->lookahead, (unsigned long long)par->globals);
		for (unsigned i = 0; i < par->n; i++)
			fprintf(stderr, "sim: domain %u: %llu events, %.3f s in windows (%.3f s CPU, "
			        "%.3f s taking packets in), last on thread %u\n", i,
			        (unsigned long long)par->dom[i]->events_run, par->busy_ns[i] / 1e9,
			        par->busy_cpu_ns[i] / 1e9, par->open_cpu_ns[i] / 1e9, par->plan[i]);
		for (unsigned t = 0; t < par->threads; t++)
			fprintf(stderr, "sim: thread %u: %.3f s at barriers, asleep at %llu\n", t,
			        par->wait_ns[t] / 1e9, (unsigned long long)par->sleeps[t]);
	}
	if (par->n_workers) {
		atomic_store(&par->exit, true);
		barrier_wait(&par->bar);
		for (unsigned i = 0; i < par->n_workers; i++)
			pthread_join(par->workers[i].tid, NULL);
	}
	for (unsigned i = 0; i < par->n; i++)
		for (unsigned b = 0; b < 2; b++)
			for (unsigned o = 0; o < SIM_DOMAINS_MAX; o++)
				free(par->dom[i]->out[b][o].pkt);
	free(root->marks);
	for (unsigned i = 1; i < par->n; i++) {
		free(par->dom[i]->marks);
		sim_fini(par->dom[i]);
		free(par->dom[i]);
	}
	free(par->gev);
	free(par);
	root->par = NULL;
}

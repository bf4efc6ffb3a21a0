/* SPDX-License-Identifier: BSD-2-Clause */
/* A host group: N stacks behind one node, their deadlines in one heap.
 *
 * The heap is an array of (deadline, host index) ordered by both, with
 * each host's position kept beside it, so that moving one host's deadline
 * after an event costs O(log N) and firing the node timer pops exactly the
 * hosts that are due. The deadline sits in the entry itself (and in the
 * host): comparisons along a sift read one array only. The node's timer
 * always holds the heap's top. */
#include <errno.h>
#include <stdlib.h>

#include "base/cacheline.h"
#include "sim/rng.h"
#include "sim/sim_impl.h"
#include "synq/hostgroup.h"

struct group_host {
	struct synq_stack *stack;
	synq_time_t deadline;    /* as last filed in the heap */
	uint32_t heap_pos;
	uint32_t depth;          /* nested enter/leave, app hook included */
};

struct heap_entry {
	synq_time_t deadline;
	uint32_t host;
};

struct sim_hostgroup {
	struct sim *sim;
	struct sim_node *node;
	uint32_t first_addr;
	uint32_t count;
	struct group_host *hosts;
	struct synq_slabs *slabs;  /* the hosts' shared object caches, or NULL */
	struct heap_entry *heap;
	sim_hostgroup_app_fn app;
	sim_hostgroup_warm_fn warm;
	void *app_ctx;
	uint64_t strays;
};

static bool heap_less(struct heap_entry a, struct heap_entry b)
{
	return a.deadline < b.deadline || (a.deadline == b.deadline && a.host < b.host);
}

static void heap_place(struct sim_hostgroup *g, uint32_t pos, struct heap_entry e)
{
	g->heap[pos] = e;
	g->hosts[e.host].heap_pos = pos;
}

static void heap_fix(struct sim_hostgroup *g, uint32_t pos)
{
	struct heap_entry e = g->heap[pos];
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (!heap_less(e, g->heap[parent]))
			break;
		heap_place(g, pos, g->heap[parent]);
		pos = parent;
	}
	for (;;) {
		uint32_t child = 2 * pos + 1;
		if (child >= g->count)
			break;
		if (child + 1 < g->count && heap_less(g->heap[child + 1], g->heap[child]))
			child++;
		if (!heap_less(g->heap[child], e))
			break;
		heap_place(g, pos, g->heap[child]);
		pos = child;
	}
	heap_place(g, pos, e);
}

/* File a new deadline for host. */
static void set_deadline(struct sim_hostgroup *g, struct group_host *h, synq_time_t d)
{
	h->deadline = d;
	g->heap[h->heap_pos].deadline = d;
	heap_fix(g, h->heap_pos);
}

static void arm(struct sim_hostgroup *g)
{
	sim_node_timer_update(g->node, g->heap[0].deadline);
}

/* File host's current deadline; re-arm the node if the top changed.
 * Inlined: it follows every event of every host. */
static inline __attribute__((always_inline)) void refile(struct sim_hostgroup *g, uint32_t host)
{
	struct group_host *h = &g->hosts[host];
	synq_time_t d = synq_stack_next_deadline(h->stack);
	if (d == h->deadline)
		return;
	struct heap_entry old_top = g->heap[0];
	set_deadline(g, h, d);
	if (g->heap[0].host != old_top.host || g->heap[0].deadline != old_top.deadline)
		arm(g);
}

static inline __attribute__((always_inline)) void
after_event(struct sim_hostgroup *g, uint32_t host)
{
	struct group_host *h = &g->hosts[host];
	if (g->app) {
		h->depth++;
		g->app(g->app_ctx, g, host, h->stack);
		h->depth--;
	}
	refile(g, host);
}

static void group_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                          synq_time_t now)
{
	struct sim_hostgroup *g = ctx;
	if (len < 20) {
		g->strays++;
		return;
	}
	uint32_t dst = (uint32_t)pkt[16] << 24 | (uint32_t)pkt[17] << 16 |
	               (uint32_t)pkt[18] << 8 | pkt[19];
	uint32_t host = dst - g->first_addr;
	if (host >= g->count) {
		g->strays++;
		return;
	}
	struct group_host *h = &g->hosts[host];
	/* The stack's first lines, which every segment reads, fetched
	 * alongside what the warm hook asks for rather than after it: hosts
	 * take turns, and each one's are cold when its turn comes. */
	const char *stack_lines = (const char *)h->stack;
	__builtin_prefetch(stack_lines);
	__builtin_prefetch(stack_lines + 64);
	__builtin_prefetch(stack_lines + 128);
	if (g->warm)
		g->warm(g->app_ctx, host);
	h->depth++;
	if (sim_node_rx_built(node))
		synq_stack_input_verified(h->stack, pkt, len, now);
	else
		synq_stack_input(h->stack, pkt, len, now);
	h->depth--;
	after_event(g, host);
}

static void group_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	(void)node;
	struct sim_hostgroup *g = ctx;
	/* Advance every due host; each one refiles itself (and may re-arm). */
	while (g->heap[0].deadline <= now) {
		uint32_t host = g->heap[0].host;
		struct group_host *h = &g->hosts[host];
		h->depth++;
		synq_stack_advance(h->stack, now);
		h->depth--;
		synq_time_t before = h->deadline;
		after_event(g, host);
		if (h->deadline == before && h->deadline <= now) {
			/* The stack kept a past deadline (nothing it could do):
			 * file it as never so the loop cannot spin. */
			set_deadline(g, h, SYNQ_TIME_NEVER);
		}
	}
	arm(g);
}

static void group_output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct sim_hostgroup *g = ctx;
	sim_node_send_built(g->node, pkt, len);
}

int sim_hostgroup_add(struct sim *sim, const struct sim_hostgroup_config *cfg,
                      struct sim_hostgroup **out)
{
	*out = NULL;
	if (cfg->count == 0 || cfg->count > SIM_HOSTGROUP_HOSTS_MAX ||
	    cfg->first_addr + (cfg->count - 1) < cfg->first_addr)
		return -EINVAL;
	struct sim_hostgroup *g = calloc_lines(1, sizeof *g);
	if (g == NULL)
		return -ENOMEM;
	g->sim = sim;
	g->first_addr = cfg->first_addr;
	g->count = cfg->count;
	g->app = cfg->app;
	g->warm = cfg->warm;
	g->app_ctx = cfg->app_ctx;
	g->hosts = calloc_lines(cfg->count, sizeof *g->hosts);
	g->heap = calloc_lines(cfg->count, sizeof *g->heap);
	if (!g->hosts || !g->heap) {
		sim_hostgroup_free(g);
		return -ENOMEM;
	}
	struct synq_config defaults;
	const struct synq_config *scfg = cfg->stack;
	if (scfg == NULL) {
		synq_config_default(&defaults);
		scfg = &defaults;
	}
	/* The node fills in the TCP checksums that something reads. */
	struct synq_stack_io io = { .output = group_output, .ctx = g, .tcp_csum_offload = true };
	uint64_t seed_state = cfg->seed;
	/* The hosts take turns on one thread: one set of object caches
	 * keeps what each frees warm for the next. Tables of their own when
	 * the caches cannot number that many objects. */
	int err = cfg->count > 1 ? synq_slabs_new(&g->slabs, scfg, cfg->count) : 0;
	if (err == -EINVAL)
		err = 0;
	for (uint32_t i = 0; i < cfg->count && !err; i++) {
		g->hosts[i].deadline = SYNQ_TIME_NEVER;
		g->hosts[i].heap_pos = i;
		g->heap[i] = (struct heap_entry){ .deadline = SYNQ_TIME_NEVER, .host = i };
		err = synq_stack_new_in(&g->hosts[i].stack, g->slabs, scfg, cfg->first_addr + i,
		                        sim_splitmix64_next(&seed_state), &io);
	}
	struct sim_node_config ncfg = {
		.name = cfg->name, .addr = cfg->first_addr, .kind = SIM_NODE_HOST,
		.receive = group_receive, .timer = group_timer, .ctx = g,
	};
	if (!err)
		err = sim_node_add(sim, &ncfg, &g->node);
	if (err) {
		sim_hostgroup_free(g);
		return err;
	}
	g->node->csum_offload = true;
	*out = g;
	return 0;
}

void sim_hostgroup_free(struct sim_hostgroup *g)
{
	if (g == NULL)
		return;
	if (g->hosts)
		for (uint32_t i = 0; i < g->count; i++)
			synq_stack_free(g->hosts[i].stack);
	synq_slabs_free(g->slabs);
	free(g->hosts);
	free(g->heap);
	free(g);
}

struct sim_node *sim_hostgroup_node(struct sim_hostgroup *g)
{
	return g->node;
}

uint32_t sim_hostgroup_count(const struct sim_hostgroup *g)
{
	return g->count;
}

uint32_t sim_hostgroup_addr(const struct sim_hostgroup *g, uint32_t host)
{
	return g->first_addr + host;
}

struct synq_stack *sim_hostgroup_stack(struct sim_hostgroup *g, uint32_t host)
{
	return g->hosts[host].stack;
}

void *sim_hostgroup_app_ctx(struct sim_hostgroup *g)
{
	return g->app_ctx;
}

uint64_t sim_hostgroup_strays(const struct sim_hostgroup *g)
{
	return g->strays;
}

struct synq_stack *sim_hostgroup_enter(struct sim_hostgroup *g, uint32_t host)
{
	struct group_host *h = &g->hosts[host];
	if (h->depth++ == 0)
		synq_stack_advance(h->stack, sim_now(g->sim));
	return h->stack;
}

void sim_hostgroup_leave(struct sim_hostgroup *g, uint32_t host)
{
	struct group_host *h = &g->hosts[host];
	if (--h->depth == 0)
		refile(g, host);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* A synq stack in a simulator node: the three operations of the driver
 * contract (input, output, timer) wired to the node, plus the
 * application hook after each event. */
#include <errno.h>
#include <stdlib.h>

#include "base/cacheline.h"
#include "sim/sim_impl.h"
#include "synq/host.h"

struct sim_host {
	struct sim *sim;
	struct sim_node *node;
	struct synq_stack *stack;
	sim_host_app_fn app;
	void *app_ctx;
	void (*log)(void *app, struct sim_host *host, const char *line);
	int depth;  /* nested enter/leave */
};

static void rearm(struct sim_host *h)
{
	sim_node_timer_update(h->node, synq_stack_next_deadline(h->stack));
}

/* Inlined: it follows every event of the host. */
static inline __attribute__((always_inline)) void after_event(struct sim_host *h)
{
	if (h->app) {
		h->depth++;
		h->app(h->app_ctx, h);
		h->depth--;
	}
	rearm(h);
}

static void host_receive(void *ctx, struct sim_node *node, const uint8_t *pkt, size_t len,
                         synq_time_t now)
{
	struct sim_host *h = ctx;
	if (sim_node_rx_built(node))
		synq_stack_input_verified(h->stack, pkt, len, now);
	else
		synq_stack_input(h->stack, pkt, len, now);
	after_event(h);
}

static void host_timer(void *ctx, struct sim_node *node, synq_time_t now)
{
	(void)node;
	struct sim_host *h = ctx;
	synq_stack_advance(h->stack, now);
	after_event(h);
}

static void host_output(void *ctx, const uint8_t *pkt, size_t len)
{
	struct sim_host *h = ctx;
	sim_node_send_built(h->node, pkt, len);
}

static void host_log(void *ctx, const char *line)
{
	struct sim_host *h = ctx;
	if (h->log)
		h->log(h->app_ctx, h, line);
}

int sim_host_add(struct sim *sim, const struct sim_host_config *cfg, struct sim_host **out)
{
	*out = NULL;
	struct sim_host *h = calloc_lines(1, sizeof *h);
	if (h == NULL)
		return -ENOMEM;
	h->sim = sim;
	h->app = cfg->app;
	h->app_ctx = cfg->app_ctx;
	h->log = cfg->log;
	struct synq_config defaults;
	const struct synq_config *scfg = cfg->stack;
	if (scfg == NULL) {
		synq_config_default(&defaults);
		scfg = &defaults;
	}
	/* The node fills in the TCP checksums that something reads. */
	struct synq_stack_io io = { .output = host_output, .log = host_log, .ctx = h,
	                            .tcp_csum_offload = true };
	int err = synq_stack_new(&h->stack, scfg, cfg->addr, cfg->seed, &io);
	if (err) {
		free(h);
		return err;
	}
	struct sim_node_config ncfg = {
		.name = cfg->name, .addr = cfg->addr, .kind = SIM_NODE_HOST,
		.receive = host_receive, .timer = host_timer, .ctx = h,
	};
	err = sim_node_add(sim, &ncfg, &h->node);
	if (err) {
		synq_stack_free(h->stack);
		free(h);
		return err;
	}
	h->node->csum_offload = true;
	*out = h;
	return 0;
}

void sim_host_free(struct sim_host *h)
{
	if (h == NULL)
		return;
	synq_stack_free(h->stack);
	free(h);
}

struct synq_stack *sim_host_stack(struct sim_host *h)
{
	return h->stack;
}

struct sim_node *sim_host_node(struct sim_host *h)
{
	return h->node;
}

void *sim_host_app_ctx(struct sim_host *h)
{
	return h->app_ctx;
}

struct synq_stack *sim_host_enter(struct sim_host *h)
{
	if (h->depth++ == 0)
		synq_stack_advance(h->stack, sim_now(h->sim));
	return h->stack;
}

void sim_host_leave(struct sim_host *h)
{
	if (--h->depth == 0)
		rearm(h);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The server inside a simulated host.
 *
 * Two things call the server: the host's application hook, after every
 * packet and stack timer (sockets may be ready), and one sim event of its
 * own at the server's next deadline (a service time ending, a read
 * timeout, keep-alive). Both run at the simulator's virtual time; the
 * event brackets its socket calls with sim_host_enter()/sim_host_leave()
 * so that what the server sends leaves at once and the stack's timer is
 * re-armed. */
#include <errno.h>

#include "app/httpd_internal.h"
#include "synq/host.h"
#include "synq/sim.h"

static void arm(struct synq_httpd *h, synq_time_t deadline);

static void on_deadline(struct sim *sim, void *arg)
{
	struct synq_httpd *h = arg;
	h->sim_event = 0;
	sim_host_enter(h->host);
	synq_time_t next = synq_httpd_poll(h, sim_now(sim));
	sim_host_leave(h->host);
	arm(h, next);
}

static void arm(struct synq_httpd *h, synq_time_t deadline)
{
	if (h->sim_event && sim_event_pending(h->sim, h->sim_event)) {
		if (deadline == h->sim_event_at)
			return;
		if (deadline == SYNQ_TIME_NEVER) {
			sim_event_cancel(h->sim, h->sim_event);
			h->sim_event = 0;
			return;
		}
		if (deadline < sim_now(h->sim))
			deadline = sim_now(h->sim);
		if (sim_event_reschedule(h->sim, h->sim_event, deadline) == 0) {
			h->sim_event_at = deadline;
			return;
		}
	}
	h->sim_event = 0;
	if (deadline == SYNQ_TIME_NEVER)
		return;
	if (deadline < sim_now(h->sim))
		deadline = sim_now(h->sim);
	if (sim_event_schedule(h->sim, deadline, on_deadline, h, &h->sim_event) == 0)
		h->sim_event_at = deadline;
	else
		h->sim_event = 0;
}

int synq_httpd_attach_sim(struct synq_httpd *h, struct sim_host *host)
{
	if (h->attached)
		return -EALREADY;
	h->host = host;
	h->sim = sim_node_sim(sim_host_node(host));
	struct synq_stack *s = sim_host_enter(host);
	int err = synq_httpd_attach_stack(h, s, sim_now(h->sim));
	sim_host_leave(host);
	if (err) {
		h->host = NULL;
		h->sim = NULL;
	}
	return err;
}

void synq_httpd_sim_app(void *httpd, struct sim_host *host)
{
	struct synq_httpd *h = httpd;
	if (h == NULL || !h->attached || h->host != host)
		return;
	synq_time_t next = synq_httpd_poll(h, sim_now(h->sim));
	/* Most events leave the server with nothing due and no event armed:
	 * no call (arm() saves many registers). */
	if (next == SYNQ_TIME_NEVER && h->sim_event == 0)
		return;
	arm(h, next);
}

void httpd_sim_detach(struct synq_httpd *h)
{
	if (h->sim_event && sim_event_pending(h->sim, h->sim_event))
		sim_event_cancel(h->sim, h->sim_event);
	h->sim_event = 0;
	h->sim = NULL;
	h->host = NULL;
}

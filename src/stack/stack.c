/* SPDX-License-Identifier: BSD-2-Clause */
/* The stack a user creates: the one place where the TCP core and the
 * socket layer meet. The core is made first and knows nothing above it;
 * the descriptor table is made next and attached to it, which installs
 * the readiness hooks the core reports through. Freeing undoes both. */
#include <errno.h>
#include <stdlib.h>

#include "base/cacheline.h"
#include "sock/sock_internal.h"
#include "tcp/core.h"

int synq_stack_new(struct synq_stack **out, const struct synq_config *cfg, uint32_t addr,
                   uint64_t seed, const struct synq_stack_io *io)
{
	return synq_stack_new_in(out, NULL, cfg, addr, seed, io);
}

int synq_stack_new_in(struct synq_stack **out, struct synq_slabs *slabs,
                      const struct synq_config *cfg, uint32_t addr, uint64_t seed,
                      const struct synq_stack_io *io)
{
	int err = tcp_stack_create(out, slabs, cfg, addr, seed, io);
	if (err)
		return err;
	struct sock_table *t = calloc_lines(1, sizeof *t);
	if (t == NULL || sock_table_init(t, cfg->max_sockets) != 0) {
		free(t);
		tcp_stack_destroy(*out);
		*out = NULL;
		return -ENOMEM;
	}
	sock_attach(*out, t);
	return 0;
}

void synq_stack_free(struct synq_stack *s)
{
	if (s == NULL)
		return;
	struct sock_table *t = sock_table_of(s);
	if (t != NULL) {
		sock_table_destroy(t);
		free(t);
	}
	tcp_stack_destroy(s);
}

int synq_stack_reset(struct synq_stack *s)
{
	int err = tcp_stack_reset(s);
	if (err == 0)
		sock_table_reset(sock_table_of(s));
	return err;
}

struct synq_stack_snapshot {
	struct tcp_snapshot *tcp;
	struct sock_table sock;
};

int synq_stack_snapshot(const struct synq_stack *s, struct synq_stack_snapshot **out)
{
	*out = NULL;
	if (tcp_stack_in_slabs(s))
		return -EINVAL;
	const struct sock_table *t = sock_table_of(s);
	struct synq_stack_snapshot *snap = calloc(1, sizeof *snap);
	if (snap == NULL)
		return -ENOMEM;
	if (sock_table_init(&snap->sock, t->capacity) != 0 ||
	    tcp_snapshot_take(s, &snap->tcp) != 0) {
		synq_stack_snapshot_free(snap);
		return -ENOMEM;
	}
	sock_table_copy(&snap->sock, t);
	*out = snap;
	return 0;
}

void synq_stack_restore(struct synq_stack *s, const struct synq_stack_snapshot *snap)
{
	tcp_snapshot_restore(s, snap->tcp);
	sock_table_copy(sock_table_of(s), &snap->sock);
}

void synq_stack_snapshot_free(struct synq_stack_snapshot *snap)
{
	if (snap == NULL)
		return;
	tcp_snapshot_free(snap->tcp);
	sock_table_destroy(&snap->sock);
	free(snap);
}

void synq_stack_usage(const struct synq_stack *s, struct synq_stack_usage *u)
{
	tcp_stack_usage(s, u);
	const struct sock_table *t = sock_table_of(s);
	u->sockets = (struct synq_table_usage){ t->used, t->capacity, t->overflows };
}

void synq_object_sizes(struct synq_object_sizes *z)
{
	tcp_object_sizes(z);
	z->socket = sizeof(struct sock_entry);
}

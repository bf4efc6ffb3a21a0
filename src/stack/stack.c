/* SPDX-License-Identifier: BSD-2-Clause */
/* The stack a user creates: the one place where the TCP core and the
 * socket layer meet. The core is made first and knows nothing above it;
 * the descriptor table is made next and attached to it, which installs
 * the readiness hooks the core reports through. Freeing undoes both. */
#include <errno.h>
#include <stdlib.h>

#include "sock/sock_internal.h"
#include "tcp/core.h"

int synq_stack_new(struct synq_stack **out, const struct synq_config *cfg, uint32_t addr,
                   uint64_t seed, const struct synq_stack_io *io)
{
	int err = tcp_stack_create(out, cfg, addr, seed, io);
	if (err)
		return err;
	struct sock_table *t = malloc(sizeof *t);
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

void synq_stack_reset(struct synq_stack *s)
{
	tcp_stack_reset(s);
	sock_table_reset(sock_table_of(s));
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

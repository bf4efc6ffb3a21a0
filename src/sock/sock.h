/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SOCK_SOCK_H
#define SYNQ_SOCK_SOCK_H

/* The descriptor table behind the socket API.
 *
 * Descriptors are the lowest free number from 3 up, as Unix hands them out
 * (packetdrill scripts expect it). An entry names a connection, a listener
 * or an epoll set; the descriptor is the owner token of its TCP object.
 * Readiness is event driven: the TCP core reports through the hooks
 * sock_attach() installs when something a reader or writer waits for may
 * have changed, and sock_wake() puts the entry on its epoll set's ready
 * list; epoll_wait looks at that list instead of every socket. */

#include <stdbool.h>
#include <stdint.h>

#define SOCK_FD_BASE 3
#define SOCK_NONE UINT32_MAX /* end of a ready list */

enum sock_kind {
	SOCK_FREE = 0,
	SOCK_CONN,
	SOCK_LISTENER,
	SOCK_EPOLL,
};

/* Linux's socket-level connection state (socket->state), apart from TCP's. */
enum sock_conn_state {
	SOCK_UNCONNECTED = 0,
	SOCK_CONNECTING,
	SOCK_CONNECTED,
};

struct sock_entry {
	uint8_t kind;              /* enum sock_kind */
	uint8_t nonblock;
	uint8_t cloexec;
	uint8_t sstate;            /* enum sock_conn_state */
	uint32_t obj;              /* connection or listener index */
	int32_t epfd;              /* the epoll set watching it, -1 if none */
	uint32_t epoll_events;     /* interest (EPOLLIN, EPOLLOUT, EPOLLET...) */
	/* An epoll set is never watched by another (EINVAL), so the data a
	 * watched socket reports and a set's ready list share their bytes:
	 * 32 bytes an entry, two to a cache line, none across two. */
	union {
		uint64_t epoll_data;
		struct {
			uint32_t ready_head;
			uint32_t ready_tail;
		};
	};
	uint32_t ready_next;       /* link in its epoll set's ready list */
	uint8_t on_ready_list;
	uint8_t pad[3];
};

_Static_assert(sizeof(struct sock_entry) == 32, "two entries to a cache line");

struct sock_table {
	struct sock_entry *entries;
	uint64_t *used_bits;
	uint32_t capacity;
	uint32_t used;
	uint32_t search_from;      /* no free slot below this word */
	uint64_t overflows;
};

struct synq_stack;

int sock_table_init(struct sock_table *t, uint32_t capacity);
void sock_table_destroy(struct sock_table *t);
/* Every descriptor gone, as after sock_table_init(). */
void sock_table_reset(struct sock_table *t);
/* Copy every descriptor of src into dst, both of the same capacity. */
void sock_table_copy(struct sock_table *dst, const struct sock_table *src);
/* A new descriptor of the given kind, or -EMFILE. */
int sock_fd_alloc(struct sock_table *t, enum sock_kind kind, uint32_t obj);
void sock_fd_release(struct sock_table *t, int fd);
struct sock_entry *sock_entry_of(struct sock_table *t, int fd);
/* The entry of a descriptor known to be in use (just allocated). */
static inline struct sock_entry *sock_entry_at(struct sock_table *t, int fd)
{
	return &t->entries[fd - SOCK_FD_BASE];
}

/* Give the TCP core of s the table t: its connections and listeners are
 * then owned by descriptors of t, and their readiness reaches t. */
void sock_attach(struct synq_stack *s, struct sock_table *t);
/* Something about fd's readiness may have changed. */
void sock_wake(struct sock_table *t, int fd);
/* poll() events of one entry. */
int sock_events(struct synq_stack *s, const struct sock_entry *e);

#endif

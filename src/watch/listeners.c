/* SPDX-License-Identifier: BSD-2-Clause */
/* The listener table: fixed arrays, two chained hashes (by endpoint and by
 * inode) whose buckets are cleared by walking the entries, so a refresh
 * touches memory in proportion to the listeners it holds, not to cap. */
#include "watch/listeners.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "watch/tcp_states.h"

#define NIL UINT32_MAX

static size_t addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static uint32_t endpoint_hash(const struct watch_endpoint *e)
{
	/* FNV-1a over family, port and address. */
	uint32_t h = 2166136261u;
	h = (h ^ e->family) * 16777619u;
	h = (h ^ (uint8_t)(e->port >> 8)) * 16777619u;
	h = (h ^ (uint8_t)e->port) * 16777619u;
	for (size_t i = 0; i < addr_len(e->family); i++)
		h = (h ^ e->addr[i]) * 16777619u;
	return h;
}

static uint32_t inode_hash(uint32_t inode)
{
	return inode * 2654435761u;
}

static bool endpoint_equal(const struct watch_endpoint *a, const struct watch_endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

int watch_listeners_init(struct watch_listeners *t, size_t cap)
{
	memset(t, 0, sizeof *t);
	if (cap == 0 || cap > (size_t)1 << 24)
		return -EINVAL;
	size_t nb = 16;
	while (nb < 2 * cap)
		nb <<= 1;
	t->cap = cap;
	t->nbuckets = nb;
	t->v = calloc(cap, sizeof *t->v);
	t->group = malloc(cap * sizeof *t->group);
	t->ep_next = malloc(cap * sizeof *t->ep_next);
	t->ino_next = malloc(cap * sizeof *t->ino_next);
	t->ep_bucket = malloc(nb * sizeof *t->ep_bucket);
	t->ino_bucket = malloc(nb * sizeof *t->ino_bucket);
	if (!t->v || !t->group || !t->ep_next || !t->ino_next || !t->ep_bucket ||
	    !t->ino_bucket) {
		watch_listeners_free(t);
		return -ENOMEM;
	}
	memset(t->ep_bucket, 0xff, nb * sizeof *t->ep_bucket);
	memset(t->ino_bucket, 0xff, nb * sizeof *t->ino_bucket);
	return 0;
}

void watch_listeners_free(struct watch_listeners *t)
{
	free(t->v);
	free(t->group);
	free(t->ep_next);
	free(t->ino_next);
	free(t->ep_bucket);
	free(t->ino_bucket);
	uint16_t filter = t->port_filter;
	memset(t, 0, sizeof *t);
	t->port_filter = filter;
}

void watch_listeners_reset(struct watch_listeners *t)
{
	size_t mask = t->nbuckets - 1;
	for (size_t i = 0; i < t->n; i++) {
		t->ep_bucket[endpoint_hash(&t->v[i].local) & mask] = NIL;
		t->ino_bucket[inode_hash(t->v[i].inode) & mask] = NIL;
	}
	t->n = 0;
	t->overflow = 0;
	t->listen_total = 0;
	t->syn_recv_total = 0;
	t->established_total = 0;
}

static uint32_t find_endpoint(const struct watch_listeners *t, const struct watch_endpoint *e)
{
	uint32_t i = t->ep_bucket[endpoint_hash(e) & (t->nbuckets - 1)];
	while (i != NIL && !endpoint_equal(&t->v[i].local, e))
		i = t->ep_next[i];
	return i;
}

int watch_listeners_add(struct watch_listeners *t, const struct watch_sock *s)
{
	t->listen_total++;
	if (t->port_filter && s->local.port != t->port_filter)
		return 1;
	if (t->n == t->cap) {
		t->overflow++;
		return -ENOSPC;
	}
	uint32_t idx = (uint32_t)t->n++;
	struct watch_listener *l = &t->v[idx];
	memset(l, 0, sizeof *l);
	l->local = s->local;
	l->inode = s->inode;
	l->uid = s->uid;
	l->accept_queue = s->rqueue;
	l->accept_queue_limit = s->wqueue;
	l->sharing = 1;
	l->defer_accept_s = WATCH_DEFER_UNKNOWN;

	size_t mask = t->nbuckets - 1;
	uint32_t head = find_endpoint(t, &s->local);
	if (head == NIL) {
		uint32_t *b = &t->ep_bucket[endpoint_hash(&s->local) & mask];
		t->ep_next[idx] = *b;
		*b = idx;
		t->group[idx] = idx;
	} else {
		/* An SO_REUSEPORT sibling: lookups keep finding the head. */
		t->ep_next[idx] = NIL;
		t->group[idx] = head;
		t->v[head].sharing++;
	}
	uint32_t *ib = &t->ino_bucket[inode_hash(s->inode) & mask];
	t->ino_next[idx] = *ib;
	*ib = idx;
	return 0;
}

void watch_listeners_match(struct watch_listeners *t, const struct watch_sock *s)
{
	bool syn_recv = s->state == WATCH_TCP_SYN_RECV || s->state == WATCH_TCP_NEW_SYN_RECV;
	if (syn_recv)
		t->syn_recv_total++;
	else if (s->state == WATCH_TCP_ESTABLISHED)
		t->established_total++;
	else
		return;
	if (t->n == 0 || (t->port_filter && s->local.port != t->port_filter))
		return;

	struct watch_endpoint key = s->local;
	uint32_t i = find_endpoint(t, &key);
	if (i == NIL) {
		memset(key.addr, 0, sizeof key.addr);
		i = find_endpoint(t, &key);
	}
	if (i == NIL && key.family == AF_INET) {
		key.family = AF_INET6;
		i = find_endpoint(t, &key);
	}
	if (i == NIL)
		return;
	if (syn_recv)
		t->v[i].syn_recv++;
	else
		t->v[i].established++;
}

void watch_listeners_finish(struct watch_listeners *t)
{
	for (size_t i = 0; i < t->n; i++) {
		uint32_t g = t->group[i];
		if (g != i) {
			t->v[i].syn_recv = t->v[g].syn_recv;
			t->v[i].established = t->v[g].established;
			t->v[i].sharing = t->v[g].sharing;
		}
	}
}

struct watch_listener *watch_listeners_by_inode(const struct watch_listeners *t,
                                                uint32_t inode)
{
	if (t->n == 0)
		return NULL;
	uint32_t i = t->ino_bucket[inode_hash(inode) & (t->nbuckets - 1)];
	while (i != NIL && t->v[i].inode != inode)
		i = t->ino_next[i];
	return i == NIL ? NULL : &t->v[i];
}

void watch_listeners_carry(struct watch_listeners *t, const struct watch_listeners *prev)
{
	for (size_t i = 0; i < t->n; i++) {
		struct watch_listener *l = &t->v[i];
		const struct watch_listener *p = watch_listeners_by_inode(prev, l->inode);
		if (p == NULL)
			continue;
		l->defer_accept_s = p->defer_accept_s;
		l->pid = p->pid;
		memcpy(l->comm, p->comm, sizeof l->comm);
	}
}

size_t watch_listeners_unknown_defer(const struct watch_listeners *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->v[i].defer_accept_s == WATCH_DEFER_UNKNOWN;
	return n;
}

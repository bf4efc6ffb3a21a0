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
	t->port_first = malloc(65536 * sizeof *t->port_first);
	t->port_endpoints = calloc(65536, sizeof *t->port_endpoints);
	if (!t->v || !t->group || !t->ep_next || !t->ino_next || !t->ep_bucket ||
	    !t->ino_bucket || !t->port_first || !t->port_endpoints) {
		watch_listeners_free(t);
		return -ENOMEM;
	}
	memset(t->ep_bucket, 0xff, nb * sizeof *t->ep_bucket);
	memset(t->ino_bucket, 0xff, nb * sizeof *t->ino_bucket);
	memset(t->port_first, 0xff, 65536 * sizeof *t->port_first);
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
	free(t->port_first);
	free(t->port_endpoints);
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
		t->port_first[t->v[i].local.port] = NIL;
		t->port_endpoints[t->v[i].local.port] = 0;
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
		if (t->port_endpoints[s->local.port]++ == 0)
			t->port_first[s->local.port] = idx;
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

static bool is_wildcard(const struct watch_endpoint *e)
{
	static const uint8_t zero[16];
	return memcmp(e->addr, zero, addr_len(e->family)) == 0;
}

static void count(struct watch_listeners *t, uint32_t i, bool syn_recv)
{
	if (syn_recv) {
		t->v[i].syn_recv++;
		t->syn_recv_total++;
	} else {
		t->v[i].established++;
		t->established_total++;
	}
}

void watch_listeners_match(struct watch_listeners *t, const struct watch_sock *s)
{
	bool syn_recv = s->state == WATCH_TCP_SYN_RECV || s->state == WATCH_TCP_NEW_SYN_RECV;
	if (!syn_recv && s->state != WATCH_TCP_ESTABLISHED)
		return;
	if (t->n == 0 || (t->port_filter && s->local.port != t->port_filter))
		return;
	uint32_t i = t->port_first[s->local.port];
	if (i == NIL)
		return;
	if (t->port_endpoints[s->local.port] == 1) {
		/* One endpoint on this port: the same test as the lookups below. */
		const struct watch_endpoint *l = &t->v[i].local;
		bool ok = l->family == s->local.family
		                  ? is_wildcard(l) || endpoint_equal(l, &s->local)
		                  : l->family == AF_INET6 && is_wildcard(l);
		if (ok)
			count(t, i, syn_recv);
		return;
	}

	struct watch_endpoint key = s->local;
	i = find_endpoint(t, &key);
	if (i == NIL) {
		memset(key.addr, 0, sizeof key.addr);
		i = find_endpoint(t, &key);
	}
	if (i == NIL && key.family == AF_INET) {
		key.family = AF_INET6;
		i = find_endpoint(t, &key);
	}
	if (i != NIL)
		count(t, i, syn_recv);
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

void watch_listeners_carry(struct watch_listeners *t, const struct watch_listeners *prev,
                           bool established)
{
	if (established)
		t->established_total = prev->established_total;
	for (size_t i = 0; i < t->n; i++) {
		struct watch_listener *l = &t->v[i];
		const struct watch_listener *p = watch_listeners_by_inode(prev, l->inode);
		if (established)
			l->established = p ? p->established : WATCH_COUNT_UNKNOWN;
		if (p == NULL)
			continue;
		l->defer_accept_s = p->defer_accept_s;
		l->pid = p->pid;
		memcpy(l->comm, p->comm, sizeof l->comm);
	}
}

size_t watch_listeners_port_ranges(const struct watch_listeners *t,
                                   struct watch_port_range *out, size_t max)
{
	/* Walk the ports in order through the port index, keeping the max
	 * ranges with the widest gaps between them: a range is only ever
	 * extended to the next port, and when one too many exist the pair
	 * with the narrowest gap is joined. max is small (the bytecode's
	 * length), so the join is a linear scan of out[]. */
	size_t n = 0;
	if (max == 0)
		return 0;
	for (uint32_t p = 0; p < 65536; p++) {
		if (t->port_first[p] == NIL)
			continue;
		if (n && out[n - 1].hi + 1u == p) {
			out[n - 1].hi = (uint16_t)p;
			continue;
		}
		if (n == max) {
			/* Join the narrowest gap, counting the new port's. */
			size_t best = n - 1;
			uint32_t best_gap = p - out[n - 1].hi;
			for (size_t k = 0; k + 1 < n; k++) {
				uint32_t gap = (uint32_t)out[k + 1].lo - out[k].hi;
				if (gap < best_gap) {
					best_gap = gap;
					best = k;
				}
			}
			if (best == n - 1) {
				out[n - 1].hi = (uint16_t)p;
				continue;
			}
			out[best].hi = out[best + 1].hi;
			memmove(&out[best + 1], &out[best + 2], (n - best - 2) * sizeof *out);
			n--;
		}
		out[n].lo = out[n].hi = (uint16_t)p;
		n++;
	}
	return n;
}

size_t watch_listeners_unknown_defer(const struct watch_listeners *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->v[i].defer_accept_s == WATCH_DEFER_UNKNOWN;
	return n;
}

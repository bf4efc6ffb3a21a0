/* SPDX-License-Identifier: BSD-2-Clause */
/* The descriptor table: lowest free number first, from 3. A bitmap of
 * used slots finds it in a word-at-a-time scan from the lowest word that
 * may have a hole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cacheline.h"
#include "sock/sock.h"

int sock_table_init(struct sock_table *t, uint32_t capacity)
{
	*t = (struct sock_table){ .capacity = capacity };
	t->entries = calloc_lines(capacity, sizeof *t->entries);
	t->used_bits = calloc_lines((capacity + 63) / 64, sizeof *t->used_bits);
	return t->entries && t->used_bits ? 0 : -ENOMEM;
}

void sock_table_reset(struct sock_table *t)
{
	memset(t->entries, 0, t->capacity * sizeof *t->entries);
	memset(t->used_bits, 0, (t->capacity + 63) / 64 * sizeof *t->used_bits);
	t->used = 0;
	t->search_from = 0;
	t->overflows = 0;
}

void sock_table_copy(struct sock_table *dst, const struct sock_table *src)
{
	struct sock_entry *entries = dst->entries;
	uint64_t *used_bits = dst->used_bits;
	memcpy(entries, src->entries, src->capacity * sizeof *entries);
	memcpy(used_bits, src->used_bits, (src->capacity + 63) / 64 * sizeof *used_bits);
	*dst = *src;
	dst->entries = entries;
	dst->used_bits = used_bits;
}

void sock_table_destroy(struct sock_table *t)
{
	free(t->entries);
	free(t->used_bits);
}

int sock_fd_alloc(struct sock_table *t, enum sock_kind kind, uint32_t obj)
{
	uint32_t words = (t->capacity + 63) / 64;
	for (uint32_t w = t->search_from; w < words; w++) {
		if (t->used_bits[w] == UINT64_MAX)
			continue;
		uint32_t bit = (uint32_t)__builtin_ctzll(~t->used_bits[w]);
		uint32_t slot = w * 64 + bit;
		if (slot >= t->capacity)
			break;
		t->used_bits[w] |= 1ull << bit;
		t->search_from = w;
		t->used++;
		struct sock_entry *e = &t->entries[slot];
		/* A closed socket may still be linked on an epoll ready list,
		 * where it is skipped; keep that link intact. The rest is
		 * written without reading the entry, which is seldom in the
		 * cache: the stores need not wait for it. */
		e->kind = (uint8_t)kind;
		e->nonblock = 0;
		e->cloexec = 0;
		e->sstate = SOCK_UNCONNECTED;
		e->obj = obj;
		e->epfd = -1;
		e->epoll_events = 0;
		e->epoll_data = 0;
		return (int)slot + SOCK_FD_BASE;
	}
	t->overflows++;
	return -EMFILE;
}

void sock_fd_release(struct sock_table *t, int fd)
{
	uint32_t slot = (uint32_t)(fd - SOCK_FD_BASE);
	t->entries[slot].kind = SOCK_FREE;
	t->used_bits[slot / 64] &= ~(1ull << (slot % 64));
	if (slot / 64 < t->search_from)
		t->search_from = slot / 64;
	t->used--;
}

struct sock_entry *sock_entry_of(struct sock_table *t, int fd)
{
	/* One unsigned compare: a descriptor below the base wraps to a
	 * slot past any capacity. */
	if ((uint32_t)fd - SOCK_FD_BASE >= t->capacity)
		return NULL;
	struct sock_entry *e = &t->entries[fd - SOCK_FD_BASE];
	return e->kind == SOCK_FREE ? NULL : e;
}

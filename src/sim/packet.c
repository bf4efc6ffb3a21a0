/* SPDX-License-Identifier: BSD-2-Clause */
/* The packet pool: every datagram in flight sits in a fixed-size buffer
 * (packet_max_bytes of data) carved from slabs of SLAB_PACKETS buffers.
 * Freed buffers go on a free list and are reused first, so a simulation in
 * steady state allocates nothing per packet; a new slab is only taken when
 * more packets are in flight than ever before, up to packets_max. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cacheline.h"
#include "ip/tcp_wire.h"
#include "sim/sim_impl.h"

#define SLAB_PACKETS 256u

int sim_packet_pool_init(struct sim *sim)
{
	size_t size = sizeof(struct sim_packet) + sim->cfg.packet_max_bytes;
	size_t align = _Alignof(struct sim_packet);
	sim->packet_stride = (size + align - 1) / align * align;
	sim->packet_free = NULL;
	return 0;
}

void sim_packet_pool_fini(struct sim *sim)
{
	for (uint32_t i = 0; i < sim->n_slabs; i++)
		free(sim->slabs[i]);
	free(sim->slabs);
	sim->slabs = NULL;
	sim->n_slabs = sim->slabs_cap = 0;
	sim->packet_free = NULL;
}

/* Add one slab's buffers to the free list. Out of line: it runs only
 * while the pool reaches a new high, and inlined into the sends it would
 * cost each of them registers to save. */
static __attribute__((noinline)) int pool_grow(struct sim *sim)
{
	uint32_t room = sim->cfg.packets_max - sim->packets_allocated;
	uint32_t count = room < SLAB_PACKETS ? room : SLAB_PACKETS;
	if (count == 0)
		return -ENOBUFS;
	if (sim->n_slabs == sim->slabs_cap) {
		uint32_t cap = sim->slabs_cap ? sim->slabs_cap * 2 : 8;
		void **slabs = realloc(sim->slabs, cap * sizeof *slabs);
		if (!slabs)
			return -ENOMEM;
		sim->slabs = slabs;
		sim->slabs_cap = cap;
	}
	uint8_t *slab = calloc_lines(count, sim->packet_stride);
	if (!slab)
		return -ENOMEM;
	sim->slabs[sim->n_slabs++] = slab;
	/* Thread back to front so buffers are handed out in address order. */
	for (uint32_t i = count; i-- > 0;) {
		struct sim_packet *p = (struct sim_packet *)(slab + i * sim->packet_stride);
		p->next_free = sim->packet_free;
		p->owner = (uint8_t)sim->domain;
		sim->packet_free = p;
	}
	sim->packet_free_n += count;
	sim->packets_allocated += count;
	return 0;
}

struct sim_packet *sim_packet_alloc(struct sim *sim, const uint8_t *pkt, size_t len)
{
	if (!sim->packet_free && pool_grow(sim) != 0) {
		sim->packets_exhausted++;
		return NULL;
	}
	struct sim_packet *p = sim->packet_free;
	sim->packet_free = p->next_free;
	sim->packet_free_n--;
	sim->packets_in_use++;
	p->next_free = NULL;
	p->link = NULL;
	p->len = (uint32_t)len;
	p->from = 0;
	p->csum_ok = 0;
	p->csum_unfilled = 0;
	memcpy(p->data, pkt, len);
	return p;
}

void sim_packet_csum_fill(struct sim_packet *p)
{
	tcp_checksum_fill(p->data, p->len);
	p->csum_unfilled = 0;
}

/* A buffer goes on the free list of the domain that frees it, whichever
 * slab it is in, while that list is short: a packet that crossed a cut
 * link is freed by the receiver, whose core has just read it, and the
 * receiver's next packet is written into it there; sending each back
 * would move its lines between the cores twice more. Beyond
 * SIM_PACKET_ADOPT_MAX free buffers the receiver has more than it needs
 * (it takes in more packets than it sends: a server under a SYN flood),
 * and a foreign one goes back to its slab's domain at the next barrier
 * (domain.c) instead of leaving that domain to grow its pool.
 * packets_in_use is counted where buffers are freed: a domain's own
 * count may wrap, the sum over domains is exact. sim_packet_free() is in
 * sim_impl.h. */
void sim_packet_send_back(struct sim *sim, struct sim_packet *p)
{
	struct sim_packet_list *l = &sim->back[sim->parity][p->owner];
	p->next_free = l->head;
	if (l->head == NULL)
		l->tail = p;
	l->head = p;
	l->n++;
}

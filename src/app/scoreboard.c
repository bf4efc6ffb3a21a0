/* SPDX-License-Identifier: BSD-2-Clause */
/* The scoreboard: one state character per worker slot, Apache's
 * (include/scoreboard.h: SERVER_DEAD '.', SERVER_STARTING 'S',
 * SERVER_READY '_', SERVER_BUSY_READ 'R', SERVER_BUSY_WRITE 'W',
 * SERVER_BUSY_KEEPALIVE 'K', SERVER_BUSY_LOG 'L', SERVER_BUSY_DNS 'D',
 * SERVER_CLOSING 'C', SERVER_GRACEFUL 'G', SERVER_IDLE_KILL 'I'), changed
 * only through httpd_slot_set() so that every transition reaches the
 * slot_change hook with its instant.
 *
 * Counting follows mod_status's status_handler(): '_' is idle; every
 * other state but '.', 'S' and 'I' is busy ('G' busy and graceful). */
#include <string.h>

#include "app/httpd_internal.h"

void httpd_slot_set(struct synq_httpd *h, uint32_t slot, char state)
{
	if (slot == HTTPD_NONE || slot >= h->nslots)
		return;
	char from = h->slots[slot].state;
	if (from == state)
		return;
	h->slots[slot].state = state;
	if (h->hooks.slot_change)
		h->hooks.slot_change(h->hooks.ctx, slot, from, state, h->now);
}

uint32_t synq_httpd_slot_count(const struct synq_httpd *h)
{
	return h->nslots;
}

char synq_httpd_slot_state(const struct synq_httpd *h, uint32_t slot)
{
	return slot < h->nslots ? h->slots[slot].state : SYNQ_HTTPD_DEAD;
}

size_t synq_httpd_scoreboard(const struct synq_httpd *h, char *buf, size_t len)
{
	if (len > 0) {
		size_t n = h->nslots < len - 1 ? h->nslots : len - 1;
		for (size_t i = 0; i < n; i++)
			buf[i] = h->slots[i].state;
		buf[n] = '\0';
	}
	return h->nslots;
}

void synq_httpd_counters(const struct synq_httpd *h, struct synq_httpd_counters *c)
{
	*c = h->tot;
	memset(c->by_state, 0, sizeof c->by_state);
	c->busy_workers = c->idle_workers = 0;
	for (uint32_t i = 0; i < h->nslots; i++) {
		char s = h->slots[i].state;
		c->by_state[(unsigned char)s & 127]++;
		if (s == SYNQ_HTTPD_READY)
			c->idle_workers++;
		else if (s != SYNQ_HTTPD_DEAD && s != SYNQ_HTTPD_STARTING && s != SYNQ_HTTPD_IDLE_KILL)
			c->busy_workers++;
	}
	const uint32_t *p = h->phase_count;
	c->conns_total = h->conns_open;
	c->conns_reading = p[PH_READ_HEAD] + p[PH_READ_BODY];
	c->conns_writing = p[PH_SERVICE] + p[PH_WRITE];
	c->conns_waiting = p[PH_KEEPALIVE] + p[PH_LINGER] + p[PH_WAIT_SLOT];
	c->conns_queued = p[PH_WAIT_SLOT];
	if (h->cfg.mpm == SYNQ_HTTPD_EVENT) {
		c->conns_async_keepalive = p[PH_KEEPALIVE];
		c->conns_async_closing = p[PH_LINGER];
	} else {
		c->conns_async_keepalive = c->conns_async_closing = 0;
	}
}

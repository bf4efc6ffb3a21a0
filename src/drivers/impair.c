/* SPDX-License-Identifier: BSD-2-Clause */
#include "drivers/impair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/units.h"

const char *impair_parse(const char *text, struct impair_config *cfg)
{
	static char why[160];
	*cfg = (struct impair_config){ .queue = 1000 };
	char buf[256];
	if (strlen(text) >= sizeof buf)
		return "too long";
	strcpy(buf, text);
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (eq == NULL) {
			snprintf(why, sizeof why, "'%s' is not key=value", item);
			return why;
		}
		*eq = '\0';
		const char *v = eq + 1, *bad = NULL;
		uint64_t n;
		if (!strcmp(item, "delay")) {
			bad = scn_parse_duration(v, &cfg->delay_ns);
		} else if (!strcmp(item, "rate")) {
			bad = scn_parse_bitrate(v, &cfg->rate_bps);
		} else if (!strcmp(item, "loss")) {
			bad = scn_parse_probability(v, &cfg->loss);
		} else if (!strcmp(item, "queue")) {
			bad = scn_parse_count(v, &n);
			if (!bad && (n < 1 || n > IMPAIR_SLOTS))
				bad = "queue must be 1..8192 packets";
			cfg->queue = (uint32_t)n;
		} else {
			snprintf(why, sizeof why, "unknown key '%s' (delay, rate, loss, queue)", item);
			return why;
		}
		if (bad) {
			snprintf(why, sizeof why, "%s=%s: %s", item, v, bad);
			return why;
		}
	}
	return NULL;
}

int impair_init(struct impair *im, const struct impair_config *cfg, uint64_t seed)
{
	memset(im, 0, sizeof *im);
	im->cfg = *cfg;
	sim_rng_seed(&im->rng, seed);
	im->release = calloc(IMPAIR_SLOTS, sizeof *im->release);
	im->len = calloc(IMPAIR_SLOTS, sizeof *im->len);
	im->data = malloc((size_t)IMPAIR_SLOTS * IMPAIR_SLOT_BYTES);
	if (!im->release || !im->len || !im->data) {
		impair_free(im);
		return -ENOMEM;
	}
	return 0;
}

void impair_free(struct impair *im)
{
	free(im->release);
	free(im->len);
	free(im->data);
	im->release = NULL;
	im->len = NULL;
	im->data = NULL;
}

void impair_push(struct impair *im, const uint8_t *pkt, size_t len, synq_time_t now)
{
	if (im->cfg.loss > 0 && sim_rng_double(&im->rng) < im->cfg.loss) {
		im->stats.lost++;
		return;
	}
	if (len > IMPAIR_SLOT_BYTES || im->count == IMPAIR_SLOTS) {
		im->stats.flight_drops++;
		return;
	}
	synq_time_t start = now, done = now;
	if (im->cfg.rate_bps) {
		synq_time_t tx = (synq_time_t)((uint64_t)len * 8 * 1000000000u / im->cfg.rate_bps);
		if (im->link_free_at > now) {
			/* packets already waiting: the backlog over this one's time */
			synq_time_t backlog = im->link_free_at - now;
			if (tx > 0 && (uint64_t)(backlog / tx) >= im->cfg.queue) {
				im->stats.queue_drops++;
				return;
			}
			start = im->link_free_at;
		}
		done = start + tx;
		im->link_free_at = done;
	}
	uint32_t slot = (im->head + im->count) % IMPAIR_SLOTS;
	synq_time_t due = done + im->cfg.delay_ns;
	/* keep departures in order even if the delay changed under us */
	if (im->count) {
		uint32_t last = (slot + IMPAIR_SLOTS - 1) % IMPAIR_SLOTS;
		if (due < im->release[last])
			due = im->release[last];
	}
	im->release[slot] = due;
	im->len[slot] = (uint16_t)len;
	memcpy(im->data + (size_t)slot * IMPAIR_SLOT_BYTES, pkt, len);
	im->count++;
}

synq_time_t impair_next(const struct impair *im)
{
	return im->count ? im->release[im->head] : SYNQ_TIME_NEVER;
}

void impair_release(struct impair *im, synq_time_t now,
                    void (*deliver)(void *ctx, const uint8_t *pkt, size_t len), void *ctx)
{
	while (im->count && im->release[im->head] <= now) {
		uint32_t slot = im->head;
		im->head = (im->head + 1) % IMPAIR_SLOTS;
		im->count--;
		im->stats.passed++;
		deliver(ctx, im->data + (size_t)slot * IMPAIR_SLOT_BYTES, im->len[slot]);
	}
}

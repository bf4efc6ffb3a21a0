/* SPDX-License-Identifier: BSD-2-Clause */
/* [link.NAME]: an access link, as tc/netem would describe it. A population
 * names the link it sits behind (link = NAME); each population gets its
 * own link with these settings, in both directions. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "scenario/section.h"

#define LINK_KEY(n, t, f, d, doc_)                                                 \
	{ .name = n, .type = t,                                                        \
	  .offset = offsetof(struct scn_link, cfg) + offsetof(struct sim_link_config, f), \
	  .def = d, .doc = doc_ }

static const struct scn_key link_keys[] = {
	LINK_KEY("delay", SCN_T_DURATION, delay_ns, "1ms", "One-way propagation delay."),
	LINK_KEY("rate", SCN_T_BITRATE, rate_bps, "0",
	         "Transmission rate of each direction; 0 is unlimited."),
	LINK_KEY("loss", SCN_T_PROB, loss, "0", "Probability that a packet is lost."),
	{ .name = "queue", .type = SCN_T_COUNT,
	  .offset = offsetof(struct scn_link, cfg) + offsetof(struct sim_link_config, queue_max_pkts),
	  .size = sizeof(uint32_t), .def = "1000", .max = SIM_LINK_QUEUE_MAX_PKTS,
	  .doc = "Packets that may wait for the transmitter (drop-tail; Linux's txqueuelen is 1000)." },
	LINK_KEY("jitter", SCN_T_DURATION, jitter_ns, "0",
	         "Extra delay drawn uniformly from 0 to this, per packet (may reorder)."),
	{ .name = "pcap", .type = SCN_T_BOOL, .offset = offsetof(struct scn_link, pcap),
	  .def = "no", .doc = "Capture the link at its server end to LINK-POPULATION.pcap." },
};

static void *link_open(struct scenario *scn, const char *instance, struct scn_where where,
                       struct scn_errors *errs)
{
	if (scn->n_links == SCN_LINKS_MAX) {
		scn_error_add(errs, where, NULL, "[link.%s]: more than %u links", instance,
		              SCN_LINKS_MAX);
		return NULL;
	}
	struct scn_link *l = &scn->link[scn->n_links++];
	memset(l, 0, sizeof *l);
	sim_link_config_init(&l->cfg);
	snprintf(l->name, sizeof l->name, "%s", instance);
	l->where = where;
	return l;
}

static void link_finish(struct scenario *scn, void *obj, const struct scn_section_state *st,
                        struct scn_errors *errs)
{
	(void)scn;
	struct scn_link *l = obj;
	char key[SCN_NAME_MAX + 16];
	snprintf(key, sizeof key, "link.%s", l->name);
	if (strlen(l->name) >= SCN_NAME_MAX - 1 || strspn(l->name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(l->name))
		scn_error_add(errs, st->header, key,
		              "link names are letters, digits, '_' and '-', at most %d",
		              SCN_NAME_MAX - 2);
	if (l->cfg.delay_ns > SIM_LINK_DELAY_MAX_NS || l->cfg.jitter_ns > SIM_LINK_DELAY_MAX_NS)
		scn_error_add(errs, st->header, key, "delay or jitter too long");
}

const struct scn_section_kind scn_section_link = {
	.name = "link",
	.named = true,
	.doc = "An access link: each population that names it sits behind its own copy.",
	.keys = link_keys,
	.n_keys = sizeof link_keys / sizeof link_keys[0],
	.open = link_open,
	.finish = link_finish,
};

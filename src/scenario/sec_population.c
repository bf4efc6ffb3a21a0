/* SPDX-License-Identifier: BSD-2-Clause */
/* [clients.NAME] and [attack.NAME]: who comes at the server and how. Both
 * take the same models and keys; the prefix only says whose side they are
 * on (the report's "legitimate success rate" counts [clients.*] only).
 *
 *   browser    seed 003's browsers: visits of some pages, each page a few
 *              requests over up to `parallel` connections, think time
 *              between pages, keep-alive reuse, who closes first
 *   poisson    open loop: connections arrive at `rate`, one request each
 *   idle       connect and send nothing, `connections` at once
 *   slowloris  connect, send a partial request, then a header line every
 *              `interval`, never finishing it
 *   synflood   SYNs from spoofed sources at `rate`, built as raw packets
 *   probe      connects to a port (a silent or closed one) at `rate`
 *
 * Each key lists the models it applies to; a key given to another model is
 * an error, so that a typo never silently does nothing. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "scenario/section.h"

#define B SCN_MODEL_BIT(SCN_MODEL_BROWSER)
#define P SCN_MODEL_BIT(SCN_MODEL_POISSON)
#define I SCN_MODEL_BIT(SCN_MODEL_IDLE)
#define S SCN_MODEL_BIT(SCN_MODEL_SLOWLORIS)
#define F SCN_MODEL_BIT(SCN_MODEL_SYNFLOOD)
#define R SCN_MODEL_BIT(SCN_MODEL_PROBE)
#define STACK_MODELS (B | P | I | S | R)

#define POP(f) offsetof(struct scn_population, f)

/* The largest spoofed pool a synflood may draw from (see world.c). */
#define SOURCES_MAX (1u << 18)

static const char *const model_names[] = {
	[SCN_MODEL_BROWSER] = "browser", [SCN_MODEL_POISSON] = "poisson",
	[SCN_MODEL_IDLE] = "idle", [SCN_MODEL_SLOWLORIS] = "slowloris",
	[SCN_MODEL_SYNFLOOD] = "synflood", [SCN_MODEL_PROBE] = "probe", NULL,
};

static const char *const closer_names[] = { "client", "server", NULL };
static const char *const arrival_names[] = { "poisson", "even", NULL };

static const struct scn_key population_keys[] = {
	{ .name = "model", .type = SCN_T_ENUM, .offset = POP(model), .choices = model_names,
	  .doc = "browser, poisson, idle, slowloris, synflood or probe (required)." },
	{ .name = "link", .type = SCN_T_NAME, .offset = POP(link),
	  .doc = "The [link.NAME] the population sits behind; without it, an ideal 1 ms link." },
	{ .name = "hosts", .type = SCN_T_COUNT, .offset = POP(hosts), .def = "0", .max = 65000,
	  .models = STACK_MODELS,
	  .doc = "Client addresses (one stack each). 0: one per browser; for the other models "
	         "enough addresses that ephemeral ports never run out." },
	{ .name = "start", .type = SCN_T_DURATION, .offset = POP(start_ns), .def = "0",
	  .doc = "When the population starts." },
	{ .name = "stop", .type = SCN_T_DURATION, .offset = POP(stop_ns), .def = "0",
	  .doc = "When it stops starting new work; 0: at the run's duration." },
	{ .name = "port", .type = SCN_T_COUNT, .offset = POP(port), .def = "0", .max = 65535,
	  .doc = "Server port to connect to; 0: the server's. A probe must name one." },
	{ .name = "count", .type = SCN_T_COUNT, .offset = POP(count), .def = "10", .min = 1,
	  .max = 1000000, .models = B, .doc = "Browsers." },
	{ .name = "parallel", .type = SCN_T_COUNT, .offset = POP(parallel), .def = "6", .min = 1,
	  .max = 64, .models = B, .doc = "Connections a browser opens at most to the server." },
	{ .name = "pages", .type = SCN_T_COUNT, .offset = POP(pages), .def = "5", .min = 1,
	  .models = B, .doc = "Pages per visit." },
	{ .name = "objects", .type = SCN_T_COUNT, .offset = POP(objects), .def = "10", .min = 1,
	  .max = 10000, .models = B, .doc = "Requests per page, the page itself included." },
	{ .name = "think", .type = SCN_T_DIST, .offset = POP(think), .def = "exp(5s)",
	  .models = B, .doc = "Time a reader spends on a page before the next one." },
	{ .name = "pause", .type = SCN_T_DIST, .offset = POP(pause), .def = "exp(30s)",
	  .models = B, .doc = "Time between the end of one visit and the next." },
	{ .name = "keepalive", .type = SCN_T_BOOL, .offset = POP(keepalive), .def = "yes",
	  .models = B, .doc = "Reuse connections for further requests (HTTP keep-alive)." },
	{ .name = "close", .type = SCN_T_ENUM, .offset = POP(close), .def = "client",
	  .choices = closer_names, .models = B | P,
	  .doc = "Who closes first: client (closes after its last request; TIME-WAIT on the "
	         "client) or server (the client asks Connection: close, or waits for the "
	         "keep-alive timeout; TIME-WAIT on the server)." },
	{ .name = "rate", .type = SCN_T_RATE, .offset = POP(rate_per_s), .def = "100/s",
	  .models = P | I | S | F | R,
	  .doc = "poisson: mean arrival rate; idle, slowloris: connection attempts per second "
	         "while below `connections`; synflood: mean SYNs per second (see "
	         "arrivals); probe: probes per second. "
	         "Required for poisson, synflood and probe." },
	{ .name = "arrivals", .type = SCN_T_ENUM, .offset = POP(arrivals), .def = "poisson",
	  .choices = arrival_names, .models = P | F,
	  .doc = "poisson (exponential gaps, as independent users) or even (exactly 1/rate "
	         "apart, as a loop with a sleep, curl in a script or hping3 -i)." },
	{ .name = "connections", .type = SCN_T_COUNT, .offset = POP(connections), .def = "100",
	  .min = 1, .max = 4000000, .models = I | S, .doc = "Connections kept open at once." },
	{ .name = "interval", .type = SCN_T_DURATION, .offset = POP(interval_ns), .def = "10s",
	  .models = S, .doc = "Slowloris sends one more header line this often." },
	{ .name = "hold", .type = SCN_T_DURATION, .offset = POP(hold_ns), .def = "0",
	  .models = I, .doc = "Close an idle connection after this long; 0: never." },
	{ .name = "reconnect", .type = SCN_T_BOOL, .offset = POP(reconnect), .def = "yes",
	  .models = I | S, .doc = "Open a new connection when one is closed or fails." },
	{ .name = "timeout", .type = SCN_T_DURATION, .offset = POP(timeout_ns), .def = "0",
	  .models = B | P,
	  .doc = "Give up a request (connect included) after this long; 0: wait for the kernel." },
	{ .name = "path", .type = SCN_T_TEXT, .offset = POP(path), .size = sizeof ((struct scn_population *)0)->path,
	  .def = "/", .models = B | P | S, .doc = "Request target." },
	{ .name = "sources", .type = SCN_T_COUNT, .offset = POP(sources), .def = "65536", .min = 1,
	  .max = SOURCES_MAX, .models = F, .doc = "Spoofed source addresses the SYNs come from." },
	{ .name = "rst", .type = SCN_T_BOOL, .offset = POP(rst), .def = "no", .models = F,
	  .doc = "Whether the spoofed sources exist and answer a SYN-ACK with RST "
	         "(freeing the server's request at once)." },
};

#define N_POPULATION_KEYS (sizeof population_keys / sizeof population_keys[0])

static void *population_open(struct scenario *scn, bool attack, const char *instance,
                             struct scn_where where, struct scn_errors *errs)
{
	if (scn->n_populations == SCN_POPULATIONS_MAX) {
		scn_error_add(errs, where, NULL, "[%s.%s]: more than %u populations",
		              attack ? "attack" : "clients", instance, SCN_POPULATIONS_MAX);
		return NULL;
	}
	struct scn_population *p = &scn->population[scn->n_populations++];
	memset(p, 0, sizeof *p);
	p->model = -1;
	p->attack = attack;
	snprintf(p->name, sizeof p->name, "%s", instance);
	p->where = where;
	return p;
}

static void *clients_open(struct scenario *scn, const char *instance, struct scn_where where,
                          struct scn_errors *errs)
{
	return population_open(scn, false, instance, where, errs);
}

static void *attack_open(struct scenario *scn, const char *instance, struct scn_where where,
                         struct scn_errors *errs)
{
	return population_open(scn, true, instance, where, errs);
}

static void population_finish(struct scenario *scn, void *obj,
                              const struct scn_section_state *st, struct scn_errors *errs)
{
	(void)scn;
	struct scn_population *p = obj;
	char section[SCN_NAME_MAX + 16], key[SCN_NAME_MAX + 48];
	snprintf(section, sizeof section, "%s.%s", p->attack ? "attack" : "clients", p->name);
	if (strlen(p->name) >= SCN_NAME_MAX - 1 ||
	    strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
	        strlen(p->name)) {
		scn_error_add(errs, st->header, section,
		              "population names are letters, digits, '_' and '-', at most %d",
		              SCN_NAME_MAX - 2);
		return;
	}
	int mi = scn_key_index(&scn_section_clients, "model");
	if (!st->set[mi] || p->model < 0) {
		snprintf(key, sizeof key, "%s.model", section);
		scn_error_add(errs, st->header, key,
		              "missing key (browser, poisson, idle, slowloris, synflood or probe)");
		return;
	}
	for (size_t i = 0; i < N_POPULATION_KEYS; i++) {
		const struct scn_key *k = &population_keys[i];
		if (st->set[i] && k->models && !(k->models & SCN_MODEL_BIT(p->model))) {
			snprintf(key, sizeof key, "%s.%s", section, k->name);
			scn_error_add(errs, st->key_where[i], key, "not a key of model %s",
			              model_names[p->model]);
		}
	}
	int ri = scn_key_index(&scn_section_clients, "rate");
	if (!st->set[ri] && (p->model == SCN_MODEL_POISSON || p->model == SCN_MODEL_SYNFLOOD ||
	                     p->model == SCN_MODEL_PROBE)) {
		snprintf(key, sizeof key, "%s.rate", section);
		scn_error_add(errs, st->header, key, "missing key (model %s needs a rate)",
		              model_names[p->model]);
	}
	int pi = scn_key_index(&scn_section_clients, "port");
	if (p->model == SCN_MODEL_PROBE && (!st->set[pi] || p->port == 0)) {
		snprintf(key, sizeof key, "%s.port", section);
		scn_error_add(errs, st->set[pi] ? st->key_where[pi] : st->header, key,
		              "a probe needs the port it probes (1..65535)");
	}
	int si = scn_key_index(&scn_section_clients, "stop");
	if (p->stop_ns && p->stop_ns <= p->start_ns) {
		snprintf(key, sizeof key, "%s.stop", section);
		scn_error_add(errs, st->key_where[si], key, "stop is not after start");
	}
}

const struct scn_section_kind scn_section_clients = {
	.name = "clients",
	.named = true,
	.doc = "A population of legitimate clients; its outcomes make the success rate.",
	.keys = population_keys,
	.n_keys = N_POPULATION_KEYS,
	.open = clients_open,
	.finish = population_finish,
};

const struct scn_section_kind scn_section_attack = {
	.name = "attack",
	.named = true,
	.doc = "A population of attackers: the same models and keys as [clients.NAME].",
	.keys = population_keys,
	.n_keys = N_POPULATION_KEYS,
	.open = attack_open,
	.finish = population_finish,
};

const char *scn_model_name(int model)
{
	return model >= 0 && model < SCN_MODEL__COUNT ? model_names[model] : "?";
}

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_H
#define SYNQ_SCENARIO_H

/* A scenario: what a service looks like and what comes at it, as a user
 * writes it in an INI file (docs/scenarios.md has every key).
 *
 *   [run]             duration, seed, sampling interval
 *   [kernel]          the server's sysctls, by Linux's names, and personality
 *   [kernel.clients]  the same for every client host
 *   [server]          the HTTP server (synq httpd) and its directives
 *   [link.NAME]       delay, rate, loss, queue of an access link
 *   [clients.NAME]    a population of legitimate clients
 *   [attack.NAME]     a population of attackers
 *
 * This header is the loaded model. scn_load() fills it from a file plus
 * command-line overrides, or gives errors of the form
 *   FILE:LINE: SECTION.KEY: what is wrong
 * and nothing runs. Loading is pure: no clock, no randomness, no output;
 * the same text and overrides give the same struct. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/units.h"
#include "synq/config.h"
#include "synq/sim.h"

#define SCN_NAME_MAX 32          /* bytes, NUL included */
#define SCN_LINKS_MAX 16
/* A node has SIM_NODE_IFACES_MAX links; the server or its router keeps
 * one for itself. */
#define SCN_POPULATIONS_MAX (SIM_NODE_IFACES_MAX - 1)
#define SCN_DIRECTIVES_MAX 64
#define SCN_DIRECTIVE_VALUE_MAX 160
#define SCN_EXTENSIONS_MAX 8
#define SCN_TEXT_MAX (1u << 20)  /* scenario file size */
#define SCN_SAMPLES_MAX 200000u  /* duration / interval */
#define SCN_ERRORS_MAX 32

/* ------------------------------------------------------------ errors */

struct scn_error {
	char text[320]; /* "FILE:LINE: SECTION.KEY: message", no newline */
	int line;       /* for ordering; 0 for command-line overrides */
};

struct scn_errors {
	unsigned count;   /* may exceed SCN_ERRORS_MAX; only that many kept */
	struct scn_error item[SCN_ERRORS_MAX];
};

/* Where a value came from: a file and line, or a command-line override. */
struct scn_where {
	const char *origin; /* file path, or "--set"/"--seed"/"--duration" */
	int line;           /* 0 for the command line */
};

/* Record one error; key may be NULL (syntax errors). */
void scn_error_add(struct scn_errors *errs, struct scn_where where, const char *key,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------ model */

struct scn_run {
	char title[96];
	synq_time_t duration_ns;   /* traffic runs from 0 to here */
	synq_time_t drain_ns;      /* then no new work; the run goes on this long */
	synq_time_t interval_ns;   /* sampling period of every series */
	uint64_t seed;
	bool pcap_server;          /* capture everything at the server */
	uint64_t domains;          /* 0: two when the world can be split, 1: one */
	uint64_t threads;          /* 0: as many as domains and cores allow */
};

enum scn_server_model {
	SCN_SERVER_PREFORK = 0,
	SCN_SERVER_EVENT,
	SCN_SERVER_NONE,           /* listen() and never accept(): UNP's experiment */
};

/* An httpd directive as written: handed to the server by name. */
struct scn_directive {
	char name[SCN_NAME_MAX];
	char value[SCN_DIRECTIVE_VALUE_MAX];
	int line;                  /* in the scenario file; 0: an override */
};

struct scn_server {
	bool present;
	int model;                 /* enum scn_server_model */
	uint64_t port;
	char link[SCN_NAME_MAX];   /* "": clients attach to the server itself */
	synq_time_t accept_every_ns; /* model none: one accept() per period; 0: never */
	unsigned n_directives;
	struct scn_directive directive[SCN_DIRECTIVES_MAX];
};

struct scn_link {
	char name[SCN_NAME_MAX];
	struct sim_link_config cfg;
	bool pcap;
	struct scn_where where;
};

enum scn_model {
	SCN_MODEL_BROWSER = 0,
	SCN_MODEL_POISSON,
	SCN_MODEL_IDLE,
	SCN_MODEL_SLOWLORIS,
	SCN_MODEL_SYNFLOOD,
	SCN_MODEL_PROBE,
	SCN_MODEL__COUNT
};

#define SCN_MODEL_BIT(m) (1u << (m))

enum scn_closer {
	SCN_CLOSE_CLIENT = 0,      /* the client closes after its last request */
	SCN_CLOSE_SERVER,          /* the client waits for the server to close */
};

/* How a poisson or synflood population spaces its arrivals. */
enum scn_arrivals {
	SCN_ARRIVALS_POISSON,      /* exponential gaps, mean 1/rate */
	SCN_ARRIVALS_EVEN,         /* exactly 1/rate apart */
};

struct scn_population {
	char name[SCN_NAME_MAX];
	bool attack;               /* [attack.NAME], not [clients.NAME] */
	int model;                 /* enum scn_model */
	struct scn_where where;    /* the section header */
	char link[SCN_NAME_MAX];   /* "": the built-in ideal link */
	uint64_t hosts;            /* client addresses (stacks); 0: model's default */
	synq_time_t start_ns;
	synq_time_t stop_ns;       /* 0: the run's duration */
	uint64_t port;             /* 0: the server's port */
	/* browser */
	uint64_t count;            /* browsers */
	uint64_t parallel;         /* connections per browser */
	uint64_t pages;            /* pages per visit */
	uint64_t objects;          /* requests per page, the page included */
	struct scn_dist think;     /* between pages */
	struct scn_dist pause;     /* between visits */
	bool keepalive;
	int close;                 /* enum scn_closer */
	/* open-loop and floods */
	double rate_per_s;         /* arrivals, connects, SYNs or probes per second */
	int arrivals;              /* enum scn_arrivals: poisson, synflood */
	uint64_t connections;      /* idle/slowloris: kept open at once */
	synq_time_t interval_ns;   /* slowloris: one header line this often */
	synq_time_t hold_ns;       /* idle: close after this long; 0: never */
	bool reconnect;            /* idle/slowloris: replace a closed connection */
	synq_time_t timeout_ns;    /* browser/poisson: give up a request; 0: never */
	char path[64];             /* request target */
	uint64_t response_bytes;   /* expected body size, for the report only */
	/* synflood */
	uint64_t sources;          /* spoofed source addresses */
	bool rst;                  /* sources answer a SYN-ACK with RST */
};

/* A section added by another part of synq through the registry (the NAT
 * router's [nat]): its kind and the object it parsed into. */
struct scn_section_kind;
struct scn_extension {
	const struct scn_section_kind *kind;
	char instance[SCN_NAME_MAX];
	void *obj;
};

/* One --set/--seed/--duration given on the command line. */
struct scn_override {
	const char *text;          /* "section.key=value", borrowed */
};

struct scenario {
	char path[256];            /* as given, or "(built-in)" */
	char *text;                /* the file's text, NUL-terminated, owned */
	size_t text_len;
	char overrides_text[2048]; /* the overrides as given, one per line */
	struct scn_run run;
	struct synq_config kernel;         /* the server's */
	struct synq_config client_kernel;  /* every client host's */
	struct scn_server server;
	unsigned n_links;
	struct scn_link link[SCN_LINKS_MAX];
	unsigned n_populations;
	struct scn_population population[SCN_POPULATIONS_MAX];
	unsigned n_extensions;
	struct scn_extension extension[SCN_EXTENSIONS_MAX];
};

/* Load path (or, if text is not NULL, that text under the name path)
 * with n overrides ("section.key=value"; --seed and --duration are given
 * as "run.seed=N" and "run.duration=D"). 0, or -EINVAL with errs filled
 * (sorted by line) and *scn cleared; -ENOMEM. Free with scn_free(). */
int scn_load(struct scenario *scn, const char *path, const char *text,
             const char *const *overrides, unsigned n_overrides, struct scn_errors *errs);
void scn_free(struct scenario *scn);

const char *scn_model_name(int model);
const char *scn_server_model_name(int model);
/* The link a population uses, or NULL for the built-in one. */
const struct scn_link *scn_link_find(const struct scenario *scn, const char *name);
/* The population's end of traffic (stop, or the run's duration). */
synq_time_t scn_population_stop(const struct scenario *scn, const struct scn_population *p);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_SCENARIO_SECTION_H
#define SYNQ_SCENARIO_SECTION_H

/* Sections of a scenario file, as a table of handlers.
 *
 * The loader knows no section by name: it finds each [section] in the
 * table scn_section_kinds (sections.c), and the kind's handlers do the
 * rest. A kind is either fixed ([run], [kernel]) or named ([link.NAME]:
 * name "link", instances "link.wan", "link.lan"). Its keys are described
 * by a table of struct scn_key (type, unit, default, documentation), which
 * the loader applies generically and `synq sim --keys` prints; keys that
 * cannot be listed (sysctl names, httpd directives) go to set_other.
 *
 * To add a section (the NAT router's [nat], say): write a file with a
 * struct scn_section_kind, add one line to the table in sections.c, and,
 * if it adds something to the simulated world, a build hook (world.h).
 * Nothing in load.c changes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

struct scn_world;

enum scn_type {
	SCN_T_DURATION,   /* synq_time_t */
	SCN_T_RATE,       /* double, per second */
	SCN_T_BITRATE,    /* uint64_t bits per second, 0 unlimited */
	SCN_T_BYTES,      /* uint64_t */
	SCN_T_COUNT,      /* uint64_t, within [min, max] */
	SCN_T_PROB,       /* double */
	SCN_T_BOOL,       /* bool */
	SCN_T_DIST,       /* struct scn_dist */
	SCN_T_ENUM,       /* int: index in choices */
	SCN_T_TEXT,       /* char[size] */
	SCN_T_NAME,       /* char[SCN_NAME_MAX], [A-Za-z0-9_-] */
};

struct scn_key {
	const char *name;
	enum scn_type type;
	size_t offset;              /* in the section's object */
	size_t size;                /* TEXT: the buffer's size */
	const char *def;            /* default, as it would be written; NULL: none */
	uint64_t min, max;          /* COUNT bounds (max 0: no bound) */
	const char *const *choices; /* ENUM: NULL-terminated names */
	uint32_t models;            /* populations: SCN_MODEL_BIT()s it applies to; 0 all */
	const char *doc;            /* one sentence, unit included */
};

#define SCN_KEYS_PER_SECTION_MAX 64

/* What the loader saw of one section instance, for finish(). */
struct scn_section_state {
	struct scn_where header;          /* the [section] line */
	const char *instance;             /* "wan" of [link.wan]; "" if fixed */
	bool set[SCN_KEYS_PER_SECTION_MAX];
	struct scn_where key_where[SCN_KEYS_PER_SECTION_MAX];
};

struct scn_section_kind {
	const char *name;
	bool named;
	bool implicit;   /* fixed kinds only: opened with defaults when absent */
	const char *doc;
	const struct scn_key *keys;
	size_t n_keys;
	/* Prepare the object for one instance and return it; NULL after
	 * recording an error (too many instances, no memory). Defaults from
	 * the key table are applied by the loader after open(). */
	void *(*open)(struct scenario *scn, const char *instance, struct scn_where where,
	              struct scn_errors *errs);
	/* A key not in the table: NULL if taken, else the error message
	 * ("unknown key" is the loader's when this is NULL). */
	const char *(*set_other)(struct scenario *scn, void *obj, const char *key,
	                         const char *value, struct scn_where where);
	/* After every key of the instance: checks between keys. */
	void (*finish)(struct scenario *scn, void *obj, const struct scn_section_state *st,
	               struct scn_errors *errs);
	/* For kinds whose object is allocated (extensions): free it. */
	void (*free)(void *obj);
	/* Extensions: add to the simulated world (world.h); NULL for none.
	 * 0, or -errno with a one-line reason in why. */
	int (*build)(struct scn_world *world, void *obj, char *why, size_t why_cap);
};

/* The registry: every section kind, NULL-terminated. */
extern const struct scn_section_kind *const scn_section_kinds[];

/* Find the kind of "link.wan" (setting *instance to "wan") or "kernel". */
const struct scn_section_kind *scn_section_find(const char *section, const char **instance);
/* Index of key in kind's table, or -1. */
int scn_key_index(const struct scn_section_kind *kind, const char *key);
/* Parse value into obj per key; NULL or a message. */
const char *scn_key_set(const struct scn_key *key, void *obj, const char *value);
/* The value of key in obj as text (for reports and docs). */
void scn_key_format(const struct scn_key *key, const void *obj, char *buf, size_t cap);
/* The unit a key's type takes, for docs: "duration", "rate (/s)", ... */
const char *scn_type_doc(enum scn_type type);

/* The built-in kinds. */
extern const struct scn_section_kind scn_section_run;
extern const struct scn_section_kind scn_section_kernel;
extern const struct scn_section_kind scn_section_kernel_clients;
extern const struct scn_section_kind scn_section_server;
extern const struct scn_section_kind scn_section_link;
extern const struct scn_section_kind scn_section_clients;
extern const struct scn_section_kind scn_section_attack;
extern const struct scn_section_kind scn_section_nat;

#endif

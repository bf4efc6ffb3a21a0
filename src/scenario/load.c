/* SPDX-License-Identifier: BSD-2-Clause */
/* Loading a scenario: inih reads the file, this file does the rest.
 *
 * Two passes. First inih (Debian's libinih) splits the text into
 * (section, key, value) entries; our reader feeds it one line at a time,
 * which is how every entry learns its line number (the packaged library is
 * built without INI_HANDLER_LINENO), and it also strips leading blanks so
 * that an indented key is a key and never a continuation line, rejects
 * over-long lines and spots malformed ones. Duplicate keys and sections are
 * caught as they come. Then the command-line overrides replace or add
 * entries, and the second pass hands each section's entries to its kind
 * (section.h): the generic key table first, set_other for the rest, then
 * the kind's own checks. Every error names where the value came from and
 * the section.key it was for; nothing is half-applied, because a scenario
 * with errors is never run. */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/section.h"

#define NAME_TEXT_MAX 128
#define LINE_MAX_CHARS 1024 /* inih's buffer; see reader() */

void scn_kernel_defaults(struct synq_config *server, struct synq_config *clients);

struct entry {
	char section[NAME_TEXT_MAX];
	char key[NAME_TEXT_MAX];
	char *value;
	struct scn_where where;
};

struct section_seen {
	char name[NAME_TEXT_MAX];
	struct scn_where where;
};

struct loader {
	struct scenario *scn;
	struct scn_errors *errs;
	const char *origin;
	/* reader */
	const char *pos;
	const char *end;
	int line;
	/* pass one */
	struct entry *entries;
	size_t n_entries, cap_entries;
	struct section_seen *sections;
	size_t n_sections, cap_sections;
	bool nomem;
};

/* vsnprintf at buf + *used, keeping what fits (long values are cut). */
static void append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	if (*used >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used = *used + (size_t)n < cap ? *used + (size_t)n : cap - 1;
}

void scn_error_add(struct scn_errors *errs, struct scn_where where, const char *key,
                   const char *fmt, ...)
{
	unsigned i = errs->count++;
	if (i >= SCN_ERRORS_MAX)
		return;
	struct scn_error *e = &errs->item[i];
	size_t used = 0;
	if (where.line > 0)
		append(e->text, sizeof e->text, &used, "%s:%d: ", where.origin, where.line);
	else
		append(e->text, sizeof e->text, &used, "%s: ", where.origin);
	if (key)
		append(e->text, sizeof e->text, &used, "%s: ", key);
	if (used < sizeof e->text) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->text + used, sizeof e->text - used, fmt, ap);
		va_end(ap);
	}
	e->line = where.line > 0 ? where.line : 1 << 30;
}

static struct scn_where here(const struct loader *ld)
{
	return (struct scn_where){ .origin = ld->origin, .line = ld->line };
}

static struct section_seen *section_lookup(struct loader *ld, const char *name)
{
	for (size_t i = 0; i < ld->n_sections; i++)
		if (!strcmp(ld->sections[i].name, name))
			return &ld->sections[i];
	return NULL;
}

static struct section_seen *section_add(struct loader *ld, const char *name,
                                        struct scn_where where)
{
	if (ld->n_sections == ld->cap_sections) {
		size_t cap = ld->cap_sections ? 2 * ld->cap_sections : 16;
		struct section_seen *s = realloc(ld->sections, cap * sizeof *s);
		if (s == NULL) {
			ld->nomem = true;
			return NULL;
		}
		ld->sections = s;
		ld->cap_sections = cap;
	}
	struct section_seen *s = &ld->sections[ld->n_sections++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->where = where;
	return s;
}

static struct entry *entry_lookup(struct loader *ld, const char *section, const char *key)
{
	for (size_t i = 0; i < ld->n_entries; i++)
		if (!strcmp(ld->entries[i].section, section) && !strcmp(ld->entries[i].key, key))
			return &ld->entries[i];
	return NULL;
}

static struct entry *entry_add(struct loader *ld, const char *section, const char *key,
                               const char *value, struct scn_where where)
{
	if (ld->n_entries == ld->cap_entries) {
		size_t cap = ld->cap_entries ? 2 * ld->cap_entries : 64;
		struct entry *e = realloc(ld->entries, cap * sizeof *e);
		if (e == NULL) {
			ld->nomem = true;
			return NULL;
		}
		ld->entries = e;
		ld->cap_entries = cap;
	}
	struct entry *e = &ld->entries[ld->n_entries];
	e->value = strdup(value);
	if (e->value == NULL) {
		ld->nomem = true;
		return NULL;
	}
	ld->n_entries++;
	snprintf(e->section, sizeof e->section, "%s", section);
	snprintf(e->key, sizeof e->key, "%s", key);
	e->where = where;
	return e;
}

/* A section header line "[name]" (blanks already stripped at the left). */
static void header_line(struct loader *ld, const char *line, size_t len)
{
	const char *close = memchr(line, ']', len);
	if (close == NULL) {
		scn_error_add(ld->errs, here(ld), NULL, "section header without ']'");
		return;
	}
	char name[NAME_TEXT_MAX];
	size_t n = (size_t)(close - line - 1);
	const char *start = line + 1;
	while (n && (*start == ' ' || *start == '\t')) {
		start++;
		n--;
	}
	while (n && (start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof name) {
		scn_error_add(ld->errs, here(ld), NULL, "empty or over-long section name");
		return;
	}
	memcpy(name, start, n);
	name[n] = '\0';
	struct section_seen *prev = section_lookup(ld, name);
	if (prev) {
		scn_error_add(ld->errs, here(ld), name, "duplicate section (first at line %d)",
		              prev->where.line);
		return;
	}
	section_add(ld, name, here(ld));
}

/* inih's reader: the next line of the text into str (at most num - 1
 * bytes and a NUL), with leading blanks removed. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	if (ld->pos >= ld->end)
		return NULL;
	const char *nl = memchr(ld->pos, '\n', (size_t)(ld->end - ld->pos));
	const char *stop = nl ? nl + 1 : ld->end;
	const char *p = ld->pos;
	ld->pos = stop;
	ld->line++;
	while (p < stop && (*p == ' ' || *p == '\t'))
		p++;
	size_t len = (size_t)(stop - p);
	size_t body = len;
	while (body && (p[body - 1] == '\n' || p[body - 1] == '\r'))
		body--;
	if (len + 1 > (size_t)num) {
		scn_error_add(ld->errs, here(ld), NULL, "line longer than %d characters", num - 3);
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	memcpy(str, p, len);
	str[len] = '\0';
	if (body && p[0] == '[')
		header_line(ld, p, body);
	else if (body && p[0] != ';' && p[0] != '#' && !memchr(p, '=', body))
		scn_error_add(ld->errs, here(ld), NULL, "%.*s: expected 'key = value' or '[section]'",
		              (int)(body < 40 ? body : 40), p);
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	struct scn_where w = here(ld);
	if (section[0] == '\0') {
		scn_error_add(ld->errs, w, name, "key outside any section");
		return 1;
	}
	if (name[0] == '\0') {
		scn_error_add(ld->errs, w, NULL, "missing key before '='");
		return 1;
	}
	char full[2 * NAME_TEXT_MAX + 2];
	snprintf(full, sizeof full, "%s.%s", section, name);
	struct entry *prev = entry_lookup(ld, section, name);
	if (prev) {
		scn_error_add(ld->errs, w, full, "duplicate key (first at line %d)",
		              prev->where.line);
		return 1;
	}
	if (strlen(section) >= NAME_TEXT_MAX || strlen(name) >= NAME_TEXT_MAX) {
		scn_error_add(ld->errs, w, NULL, "over-long section or key name");
		return 1;
	}
	entry_add(ld, section, name, value, w);
	return 1;
}

/* "section.key=value" → the section and key it names. Fixed kinds take
 * the rest as the key ("kernel.net.ipv4.tcp_syncookies"); named kinds the
 * next component as the instance ("link.wan.delay"). The longest kind
 * name wins, so "kernel.clients.x" is [kernel.clients] x. */
static bool override_split(const char *path, char *section, char *key)
{
	const struct scn_section_kind *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; scn_section_kinds[i]; i++) {
		const struct scn_section_kind *k = scn_section_kinds[i];
		size_t n = strlen(k->name);
		if (!strncmp(path, k->name, n) && path[n] == '.' && n > best_len) {
			best = k;
			best_len = n;
		}
	}
	const char *rest = path + best_len + 1;
	if (best == NULL) {
		/* An unknown section: split at the last dot for the message. */
		const char *dot = strrchr(path, '.');
		if (dot == NULL || dot == path || dot[1] == '\0')
			return false;
		snprintf(section, NAME_TEXT_MAX, "%.*s", (int)(dot - path), path);
		snprintf(key, NAME_TEXT_MAX, "%s", dot + 1);
		return true;
	}
	if (best->named) {
		const char *dot = strchr(rest, '.');
		if (dot == NULL || dot == rest || dot[1] == '\0')
			return false;
		snprintf(section, NAME_TEXT_MAX, "%.*s", (int)(dot - path), path);
		snprintf(key, NAME_TEXT_MAX, "%s", dot + 1);
	} else {
		if (*rest == '\0')
			return false;
		snprintf(section, NAME_TEXT_MAX, "%s", best->name);
		snprintf(key, NAME_TEXT_MAX, "%s", rest);
	}
	return strlen(path) < NAME_TEXT_MAX;
}

static void apply_override(struct loader *ld, const char *text, const char *label)
{
	struct scn_where w = { .origin = label, .line = 0 };
	const char *eq = strchr(text, '=');
	char path[NAME_TEXT_MAX * 2];
	char section[NAME_TEXT_MAX], key[NAME_TEXT_MAX];
	if (eq == NULL || (size_t)(eq - text) >= sizeof path) {
		scn_error_add(ld->errs, w, NULL, "an override is section.key=value");
		return;
	}
	snprintf(path, sizeof path, "%.*s", (int)(eq - text), text);
	if (!override_split(path, section, key)) {
		scn_error_add(ld->errs, w, path, "an override is section.key=value");
		return;
	}
	const char *value = eq + 1;
	struct entry *e = entry_lookup(ld, section, key);
	if (e) {
		char *copy = strdup(value);
		if (copy == NULL) {
			ld->nomem = true;
			return;
		}
		free(e->value);
		e->value = copy;
		e->where = w;
		return;
	}
	if (section_lookup(ld, section) == NULL)
		section_add(ld, section, w);
	entry_add(ld, section, key, value, w);
}

static void interpret_section(struct loader *ld, const char *name, struct scn_where header)
{
	const char *instance;
	const struct scn_section_kind *kind = scn_section_find(name, &instance);
	if (kind == NULL) {
		char known[256];
		size_t used = 0;
		for (size_t k = 0; scn_section_kinds[k] && used < sizeof known; k++) {
			int n = snprintf(known + used, sizeof known - used, "%s%s%s",
			                 k ? ", " : "", scn_section_kinds[k]->name,
			                 scn_section_kinds[k]->named ? ".NAME" : "");
			if (n > 0)
				used += (size_t)n;
		}
		scn_error_add(ld->errs, header, name, "unknown section (known: %s)", known);
		return;
	}
	void *obj = kind->open(ld->scn, instance, header, ld->errs);
	if (obj == NULL)
		return;
	struct scn_section_state st = { .header = header, .instance = instance };
	for (size_t i = 0; i < kind->n_keys && i < SCN_KEYS_PER_SECTION_MAX; i++) {
		const struct scn_key *k = &kind->keys[i];
		if (k->def) {
			const char *err = scn_key_set(k, obj, k->def);
			(void)err; /* the defaults are tested (test_scenario_load) */
		}
	}
	for (size_t i = 0; i < ld->n_entries; i++) {
		struct entry *e = &ld->entries[i];
		if (strcmp(e->section, name))
			continue;
		char full[2 * NAME_TEXT_MAX + 2];
		snprintf(full, sizeof full, "%s.%s", name, e->key);
		int idx = scn_key_index(kind, e->key);
		const char *err;
		if (idx >= 0) {
			/* Marked as given even when refused, so that finish()
			 * does not also call it missing. */
			err = scn_key_set(&kind->keys[idx], obj, e->value);
			st.set[idx] = true;
			st.key_where[idx] = e->where;
		} else if (kind->set_other) {
			err = kind->set_other(ld->scn, obj, e->key, e->value, e->where);
		} else {
			err = "unknown key (see docs/scenarios.md or synq sim --keys)";
		}
		if (err) {
			if (e->value[0])
				scn_error_add(ld->errs, e->where, full, "%s: '%s'", err, e->value);
			else
				scn_error_add(ld->errs, e->where, full, "%s", err);
		}
	}
	if (kind->finish)
		kind->finish(ld->scn, obj, &st, ld->errs);
	if (kind->build || kind->free) {
		struct scenario *scn = ld->scn;
		if (scn->n_extensions == SCN_EXTENSIONS_MAX) {
			scn_error_add(ld->errs, header, name, "too many extension sections");
			if (kind->free)
				kind->free(obj);
			return;
		}
		struct scn_extension *x = &scn->extension[scn->n_extensions++];
		x->kind = kind;
		snprintf(x->instance, sizeof x->instance, "%s", instance);
		x->obj = obj;
	}
}

static void check_references(struct loader *ld)
{
	struct scenario *scn = ld->scn;
	for (unsigned i = 0; i < scn->n_populations; i++) {
		struct scn_population *p = &scn->population[i];
		if (p->link[0] && scn_link_find(scn, p->link) == NULL) {
			char key[2 * SCN_NAME_MAX + 16];
			snprintf(key, sizeof key, "%s.%s.link", p->attack ? "attack" : "clients",
			         p->name);
			scn_error_add(ld->errs, p->where, key, "no section [link.%s]", p->link);
		}
	}
	if (scn->server.link[0] && scn_link_find(scn, scn->server.link) == NULL) {
		struct scn_where w = { .origin = ld->origin, .line = 0 };
		for (size_t i = 0; i < ld->n_sections; i++)
			if (!strcmp(ld->sections[i].name, "server"))
				w = ld->sections[i].where;
		scn_error_add(ld->errs, w, "server.link", "no section [link.%s]",
		              scn->server.link);
	}
}

static int error_cmp(const void *a, const void *b)
{
	const struct scn_error *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

static int read_file(const char *path, char **out, size_t *len, struct scn_errors *errs)
{
	struct scn_where w = { .origin = path, .line = 0 };
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		scn_error_add(errs, w, NULL, "cannot open: %s", strerror(errno));
		return -EINVAL;
	}
	char *buf = malloc(SCN_TEXT_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, SCN_TEXT_MAX + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n > SCN_TEXT_MAX) {
		scn_error_add(errs, w, NULL, bad ? "read error" : "larger than 1 MiB");
		free(buf);
		return -EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int scn_load(struct scenario *scn, const char *path, const char *text,
             const char *const *overrides, unsigned n_overrides, struct scn_errors *errs)
{
	memset(scn, 0, sizeof *scn);
	memset(errs, 0, sizeof *errs);
	snprintf(scn->path, sizeof scn->path, "%s", path);
	scn_kernel_defaults(&scn->kernel, &scn->client_kernel);
	int err;
	if (text) {
		scn->text_len = strlen(text);
		if (scn->text_len > SCN_TEXT_MAX) {
			scn_error_add(errs, (struct scn_where){ path, 0 }, NULL, "larger than 1 MiB");
			return -EINVAL;
		}
		scn->text = strdup(text);
		if (scn->text == NULL)
			return -ENOMEM;
	} else if ((err = read_file(path, &scn->text, &scn->text_len, errs))) {
		return err;
	}
	struct loader ld = {
		.scn = scn, .errs = errs, .origin = scn->path,
		.pos = scn->text, .end = scn->text + scn->text_len,
	};
	if (memchr(scn->text, '\0', scn->text_len)) {
		scn_error_add(errs, (struct scn_where){ scn->path, 0 }, NULL,
		              "contains NUL bytes: not a text file");
		goto out;
	}
	unsigned before = errs->count;
	int rc = ini_parse_stream(reader, &ld, handler, &ld);
	if (rc > 0 && errs->count == before)
		scn_error_add(errs, (struct scn_where){ scn->path, rc }, NULL, "syntax error");
	else if (rc < 0)
		ld.nomem = true;
	size_t used = 0;
	/* Errors in an override name it as it was typed: "--set k=v". */
	char (*labels)[160] = calloc(n_overrides ? n_overrides : 1, sizeof *labels);
	if (labels == NULL) {
		ld.nomem = true;
		goto out;
	}
	for (unsigned i = 0; i < n_overrides; i++) {
		snprintf(labels[i], sizeof labels[i], "--set %s", overrides[i]);
		apply_override(&ld, overrides[i], labels[i]);
		int n = snprintf(scn->overrides_text + used, sizeof scn->overrides_text - used,
		                 "%s\n", overrides[i]);
		if (n > 0 && (size_t)n < sizeof scn->overrides_text - used)
			used += (size_t)n;
	}
	/* Fixed sections absent from the file still get their defaults. */
	for (size_t k = 0; scn_section_kinds[k]; k++) {
		const struct scn_section_kind *kind = scn_section_kinds[k];
		if (kind->implicit && !kind->named && section_lookup(&ld, kind->name) == NULL)
			interpret_section(&ld, kind->name, (struct scn_where){ scn->path, 0 });
	}
	for (size_t i = 0; i < ld.n_sections; i++)
		interpret_section(&ld, ld.sections[i].name, ld.sections[i].where);
	check_references(&ld);
	free(labels);
out:
	for (size_t i = 0; i < ld.n_entries; i++)
		free(ld.entries[i].value);
	free(ld.entries);
	free(ld.sections);
	if (ld.nomem) {
		scn_free(scn);
		return -ENOMEM;
	}
	if (errs->count) {
		unsigned kept = errs->count < SCN_ERRORS_MAX ? errs->count : SCN_ERRORS_MAX;
		/* insertion sort: stable, and the list is short */
		for (unsigned i = 1; i < kept; i++) {
			struct scn_error e = errs->item[i];
			unsigned j = i;
			while (j > 0 && error_cmp(&errs->item[j - 1], &e) > 0) {
				errs->item[j] = errs->item[j - 1];
				j--;
			}
			errs->item[j] = e;
		}
		scn_free(scn);
		return -EINVAL;
	}
	return 0;
}

void scn_free(struct scenario *scn)
{
	for (unsigned i = 0; i < scn->n_extensions; i++)
		if (scn->extension[i].kind->free)
			scn->extension[i].kind->free(scn->extension[i].obj);
	free(scn->text);
	char path[sizeof scn->path];
	memcpy(path, scn->path, sizeof path);
	memset(scn, 0, sizeof *scn);
	memcpy(scn->path, path, sizeof path);
}

const struct scn_link *scn_link_find(const struct scenario *scn, const char *name)
{
	for (unsigned i = 0; i < scn->n_links; i++)
		if (!strcmp(scn->link[i].name, name))
			return &scn->link[i];
	return NULL;
}

synq_time_t scn_population_stop(const struct scenario *scn, const struct scn_population *p)
{
	synq_time_t end = scn->run.duration_ns;
	return p->stop_ns && p->stop_ns < end ? p->stop_ns : end;
}

const char *scn_server_model_name(int model)
{
	static const char *const names[] = { "prefork", "event", "none" };
	return model >= 0 && model <= SCN_SERVER_NONE ? names[model] : "?";
}

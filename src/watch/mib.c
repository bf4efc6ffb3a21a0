/* SPDX-License-Identifier: BSD-2-Clause */
/* Parsing /proc/net/netstat, /proc/net/snmp and /proc/net/sockstat text.
 * The kernel prints each MIB group as a header line of field names and a
 * value line of the same length, both starting "Group:" (netstat_seq_show()
 * and snmp_seq_show() in net/ipv4/proc.c); the two lines are walked side by
 * side, so a group of any width needs no token array. */
#include "watch/mib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct watch_mib_info infos[WATCH_MIB__COUNT] = {
#define WATCH_MIB_INFO(id, group, field, prom, gauge)                       \
	[WATCH_MIB_##id] = { group, field, group field,                     \
	                     gauge ? "synq_" prom : "synq_" prom "_total", gauge },
	WATCH_MIBS(WATCH_MIB_INFO)
#undef WATCH_MIB_INFO
};

const struct watch_mib_info *watch_mib_info(enum watch_mib_id id)
{
	return (unsigned)id < WATCH_MIB__COUNT ? &infos[id] : NULL;
}

struct span {
	const char *p;
	size_t n;
};

/* The next line of [*pos, len), without its newline. */
static bool next_line(const char *text, size_t len, size_t *pos, struct span *line)
{
	if (*pos >= len)
		return false;
	const char *start = text + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - start) : len - *pos;
	*pos += n + (nl != NULL);
	line->p = start;
	line->n = n;
	return true;
}

/* The next space-separated token of *s, consumed. */
static bool next_token(struct span *s, struct span *tok)
{
	while (s->n && (*s->p == ' ' || *s->p == '\t')) {
		s->p++;
		s->n--;
	}
	if (s->n == 0)
		return false;
	tok->p = s->p;
	while (s->n && *s->p != ' ' && *s->p != '\t') {
		s->p++;
		s->n--;
	}
	tok->n = (size_t)(s->p - tok->p);
	return true;
}

static bool span_is(struct span s, const char *word)
{
	size_t n = strlen(word);
	return s.n == n && memcmp(s.p, word, n) == 0;
}

static bool parse_u64(struct span s, uint64_t *out)
{
	if (s.n == 0 || s.n > 20)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static void set_where(struct watch_parse_error *where, int line, struct span key)
{
	if (where == NULL)
		return;
	where->line = line;
	size_t n = key.n < sizeof where->key - 1 ? key.n : sizeof where->key - 1;
	memcpy(where->key, key.p, n);
	where->key[n] = '\0';
}

/* Split "Group: rest" into the group (without ':') and the rest. */
static bool split_prefix(struct span line, struct span *group, struct span *rest)
{
	const char *colon = memchr(line.p, ':', line.n);
	if (colon == NULL)
		return false;
	group->p = line.p;
	group->n = (size_t)(colon - line.p);
	rest->p = colon + 1;
	rest->n = line.n - group->n - 1;
	return true;
}

static int tracked(struct span group, struct span field)
{
	for (int id = 0; id < WATCH_MIB__COUNT; id++)
		if (span_is(group, infos[id].group) && span_is(field, infos[id].field))
			return id;
	return -1;
}

int watch_mib_parse(const char *text, size_t len, struct watch_mib *mib,
                    struct watch_parse_error *where)
{
	size_t pos = 0;
	int line_no = 0;
	struct span header, values;
	while (next_line(text, len, &pos, &header)) {
		line_no++;
		if (header.n == 0)
			continue;
		struct span hgroup, hrest, vgroup, vrest;
		if (!split_prefix(header, &hgroup, &hrest)) {
			set_where(where, line_no, header);
			return -EINVAL;
		}
		if (!next_line(text, len, &pos, &values)) {
			set_where(where, line_no, hgroup);
			return -EINVAL;
		}
		line_no++;
		if (!split_prefix(values, &vgroup, &vrest) || vgroup.n != hgroup.n ||
		    memcmp(vgroup.p, hgroup.p, hgroup.n) != 0) {
			set_where(where, line_no, hgroup);
			return -EINVAL;
		}
		struct span field, value;
		for (;;) {
			bool hf = next_token(&hrest, &field);
			bool vf = next_token(&vrest, &value);
			if (!hf && !vf)
				break;
			if (hf != vf) {
				set_where(where, line_no, hf ? field : hgroup);
				return -EINVAL;
			}
			int id = tracked(hgroup, field);
			if (id < 0)
				continue;
			if (!parse_u64(value, &mib->value[id])) {
				set_where(where, line_no, field);
				return -EINVAL;
			}
			mib->present |= 1u << id;
		}
	}
	return 0;
}

uint64_t watch_mib_delta(const struct watch_mib *now, const struct watch_mib *prev,
                         enum watch_mib_id id, int *ok)
{
	uint32_t bit = 1u << id;
	if (!(now->present & bit) || !(prev->present & bit) ||
	    now->value[id] < prev->value[id]) {
		*ok = 0;
		return 0;
	}
	*ok = 1;
	return now->value[id] - prev->value[id];
}

int watch_sockstat_parse(const char *text, size_t len, struct watch_sockstat *out,
                         struct watch_parse_error *where)
{
	size_t pos = 0;
	int line_no = 0;
	struct span line;
	memset(out, 0, sizeof *out);
	while (next_line(text, len, &pos, &line)) {
		line_no++;
		struct span group, rest;
		if (!split_prefix(line, &group, &rest) || !span_is(group, "TCP"))
			continue;
		struct span key, value;
		while (next_token(&rest, &key)) {
			if (!next_token(&rest, &value)) {
				set_where(where, line_no, key);
				return -EINVAL;
			}
			uint64_t *slot = span_is(key, "inuse")    ? &out->inuse
			                 : span_is(key, "orphan") ? &out->orphan
			                 : span_is(key, "tw")     ? &out->tw
			                 : span_is(key, "alloc")  ? &out->alloc
			                                          : NULL;
			if (slot && !parse_u64(value, slot)) {
				set_where(where, line_no, key);
				return -EINVAL;
			}
		}
		out->present = 1;
		return 0;
	}
	set_where(where, line_no ? line_no : 1, (struct span){ "TCP", 3 });
	return -EINVAL;
}

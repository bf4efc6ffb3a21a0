/* SPDX-License-Identifier: BSD-2-Clause */
/* Applying a key table: one typed setter and formatter for every key of
 * every section, so that defaults, documentation and parsing cannot drift
 * apart (the defaults themselves are parsed by the same code). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenario/section.h"

static bool name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

const char *scn_key_set(const struct scn_key *key, void *obj, const char *value)
{
	char *field = (char *)obj + key->offset;
	const char *err = NULL;
	switch (key->type) {
	case SCN_T_DURATION:
		return scn_parse_duration(value, (synq_time_t *)(void *)field);
	case SCN_T_RATE:
		return scn_parse_rate(value, (double *)(void *)field);
	case SCN_T_BITRATE:
		return scn_parse_bitrate(value, (uint64_t *)(void *)field);
	case SCN_T_BYTES: {
		uint64_t v;
		if ((err = scn_parse_bytes(value, &v)))
			return err;
		if (key->max && v > key->max)
			return "size too large for this key";
		*(uint64_t *)(void *)field = v;
		return NULL;
	}
	case SCN_T_COUNT: {
		uint64_t v;
		if ((err = scn_parse_count(value, &v)))
			return err;
		if (v < key->min)
			return key->min == 1 ? "must be at least 1" : "below the smallest allowed value";
		if (key->max && v > key->max)
			return "above the largest allowed value";
		if (key->size == sizeof(uint32_t)) {
			if (v > UINT32_MAX)
				return "above the largest allowed value";
			*(uint32_t *)(void *)field = (uint32_t)v;
		} else {
			*(uint64_t *)(void *)field = v;
		}
		return NULL;
	}
	case SCN_T_PROB:
		return scn_parse_probability(value, (double *)(void *)field);
	case SCN_T_BOOL:
		return scn_parse_bool(value, (bool *)(void *)field);
	case SCN_T_DIST:
		return scn_parse_dist(value, (struct scn_dist *)(void *)field);
	case SCN_T_ENUM:
		if (*value == '\0')
			return "missing value";
		for (int i = 0; key->choices[i]; i++)
			if (!strcmp(key->choices[i], value)) {
				*(int *)(void *)field = i;
				return NULL;
			}
		return "not one of the allowed values";
	case SCN_T_TEXT:
		if (strlen(value) >= key->size)
			return "text too long";
		memcpy(field, value, strlen(value) + 1);
		return NULL;
	case SCN_T_NAME:
		if (*value == '\0')
			return "missing value (a name)";
		if (strlen(value) >= SCN_NAME_MAX)
			return "name too long";
		if (!name_ok(value))
			return "not a name (letters, digits, '_' and '-')";
		memcpy(field, value, strlen(value) + 1);
		return NULL;
	}
	return "unknown key type";
}

void scn_key_format(const struct scn_key *key, const void *obj, char *buf, size_t cap)
{
	const char *field = (const char *)obj + key->offset;
	switch (key->type) {
	case SCN_T_DURATION:
		scn_format_duration(*(const synq_time_t *)(const void *)field, buf, (unsigned)cap);
		return;
	case SCN_T_RATE:
		snprintf(buf, cap, "%g/s", *(const double *)(const void *)field);
		return;
	case SCN_T_BITRATE: {
		uint64_t v = *(const uint64_t *)(const void *)field;
		if (v == 0)
			snprintf(buf, cap, "0");
		else if (v % 1000000000 == 0)
			snprintf(buf, cap, "%" PRIu64 "gbit", v / 1000000000);
		else if (v % 1000000 == 0)
			snprintf(buf, cap, "%" PRIu64 "mbit", v / 1000000);
		else if (v % 1000 == 0)
			snprintf(buf, cap, "%" PRIu64 "kbit", v / 1000);
		else
			snprintf(buf, cap, "%" PRIu64 "bit", v);
		return;
	}
	case SCN_T_COUNT:
		if (key->size == sizeof(uint32_t)) {
			snprintf(buf, cap, "%" PRIu32, *(const uint32_t *)(const void *)field);
			return;
		}
		/* fall through */
	case SCN_T_BYTES:
		snprintf(buf, cap, "%" PRIu64, *(const uint64_t *)(const void *)field);
		return;
	case SCN_T_PROB:
		snprintf(buf, cap, "%g", *(const double *)(const void *)field);
		return;
	case SCN_T_BOOL:
		snprintf(buf, cap, "%s", *(const bool *)(const void *)field ? "yes" : "no");
		return;
	case SCN_T_DIST:
		scn_format_dist((const struct scn_dist *)(const void *)field, buf, (unsigned)cap);
		return;
	case SCN_T_ENUM:
		snprintf(buf, cap, "%s", key->choices[*(const int *)(const void *)field]);
		return;
	case SCN_T_TEXT:
	case SCN_T_NAME:
		snprintf(buf, cap, "%s", field);
		return;
	}
	snprintf(buf, cap, "?");
}

const char *scn_type_doc(enum scn_type type)
{
	switch (type) {
	case SCN_T_DURATION: return "duration";
	case SCN_T_RATE: return "rate";
	case SCN_T_BITRATE: return "bit rate";
	case SCN_T_BYTES: return "size";
	case SCN_T_COUNT: return "count";
	case SCN_T_PROB: return "probability";
	case SCN_T_BOOL: return "switch";
	case SCN_T_DIST: return "distribution";
	case SCN_T_ENUM: return "one of";
	case SCN_T_TEXT: return "text";
	case SCN_T_NAME: return "name";
	}
	return "?";
}

const struct scn_section_kind *scn_section_find(const char *section, const char **instance)
{
	const struct scn_section_kind *best = NULL;
	size_t best_len = 0;
	*instance = "";
	for (size_t i = 0; scn_section_kinds[i]; i++) {
		const struct scn_section_kind *k = scn_section_kinds[i];
		size_t n = strlen(k->name);
		if (strncmp(section, k->name, n) != 0)
			continue;
		if (!k->named && section[n] == '\0' && n > best_len) {
			best = k;
			best_len = n;
			*instance = "";
		} else if (k->named && section[n] == '.' && section[n + 1] != '\0' &&
		           n > best_len) {
			best = k;
			best_len = n;
			*instance = section + n + 1;
		}
	}
	return best;
}

int scn_key_index(const struct scn_section_kind *kind, const char *key)
{
	for (size_t i = 0; i < kind->n_keys; i++)
		if (!strcmp(kind->keys[i].name, key))
			return (int)i;
	return -1;
}

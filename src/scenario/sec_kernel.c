/* SPDX-License-Identifier: BSD-2-Clause */
/* [kernel] and [kernel.clients]: sysctls by Linux's names
 * (net.ipv4.tcp_syncookies = 0), the backlog personality, and synq's own
 * table sizes (synq.max_connections ...). Values are the text sysctl(8)
 * would take; synq_config_set() knows which exist. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/section.h"

/* synq's table sizes for the server: room for floods of full connections
 * and a TIME-WAIT table as large as Linux's tcp_max_tw_buckets default
 * on a small machine. Pages are only touched when used. */
#define SERVER_MAX_CONNECTIONS 65536u
#define SERVER_MAX_REQUESTS 16384u
#define SERVER_MAX_TIME_WAIT 131072u

void scn_kernel_defaults(struct synq_config *server, struct synq_config *clients);

void scn_kernel_defaults(struct synq_config *server, struct synq_config *clients)
{
	synq_config_default(server);
	server->max_connections = SERVER_MAX_CONNECTIONS;
	server->max_sockets = SERVER_MAX_CONNECTIONS + 64;
	server->max_requests = SERVER_MAX_REQUESTS;
	server->max_time_wait = SERVER_MAX_TIME_WAIT;
	synq_config_default(clients);
}

struct limit {
	const char *name;
	size_t offset;
	uint32_t min, max;
};

static const struct limit limits[] = {
	{ "synq.max_sockets", offsetof(struct synq_config, max_sockets), 1, (1u << 24) - 1 },
	{ "synq.max_connections", offsetof(struct synq_config, max_connections), 0, (1u << 30) - 1 },
	{ "synq.max_requests", offsetof(struct synq_config, max_requests), 0, (1u << 30) - 1 },
	{ "synq.max_time_wait", offsetof(struct synq_config, max_time_wait), 0, (1u << 30) - 1 },
	{ "synq.buffer_bytes", offsetof(struct synq_config, buffer_bytes), 1u << 16, 0xffffffffu },
	{ "synq.mtu", offsetof(struct synq_config, mtu), 108, 65535 },
};

static const char *kernel_set(struct synq_config *cfg, const char *key, const char *value)
{
	if (*value == '\0')
		return "missing value";
	if (!strcmp(key, "personality")) {
		int p = synq_personality_from_name(value);
		if (p < 0)
			return "unknown personality (linux, linux-2.4, bsd, freebsd, hpux-11, solaris-2.9)";
		cfg->personality = p;
		return NULL;
	}
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		if (strcmp(key, limits[i].name))
			continue;
		char *end;
		if (value[0] == '-')
			return "negative count";
		if (!isdigit((unsigned char)value[0]))
			return "not a whole number";
		unsigned long long v = strtoull(value, &end, 10);
		if (end == value || *end != '\0')
			return "not a whole number";
		if (v < limits[i].min || v > limits[i].max)
			return "out of range for this table";
		memcpy((char *)cfg + limits[i].offset, &(uint32_t){ (uint32_t)v }, sizeof(uint32_t));
		return NULL;
	}
	if (strncmp(key, "net.", 4) && strncmp(key, "kernel.", 7))
		return "unknown key (sysctls are written net.ipv4.NAME or net.core.NAME)";
	switch (synq_config_set(cfg, key, value)) {
	case SYNQ_CONFIG_OK:
		return NULL;
	case SYNQ_CONFIG_UNKNOWN_KEY:
		return "unknown sysctl (not one synq models; see docs/scenarios.md)";
	case SYNQ_CONFIG_BAD_VALUE:
		return "bad value for this sysctl";
	case SYNQ_CONFIG_IGNORED:
		return "a Linux sysctl that synq does not model: remove it";
	}
	return "bad value";
}

static void *kernel_open(struct scenario *scn, const char *instance, struct scn_where where,
                         struct scn_errors *errs)
{
	(void)instance, (void)where, (void)errs;
	return &scn->kernel;
}

static void *kernel_clients_open(struct scenario *scn, const char *instance,
                                 struct scn_where where, struct scn_errors *errs)
{
	(void)instance, (void)where, (void)errs;
	return &scn->client_kernel;
}

static const char *kernel_set_other(struct scenario *scn, void *obj, const char *key,
                                    const char *value, struct scn_where where)
{
	(void)scn, (void)where;
	return kernel_set(obj, key, value);
}

static const char *kernel_clients_set_other(struct scenario *scn, void *obj, const char *key,
                                            const char *value, struct scn_where where)
{
	(void)scn, (void)where;
	if (!strncmp(key, "synq.", 5))
		return "client table sizes follow from the populations; set them in [kernel] only";
	return kernel_set(obj, key, value);
}

const struct scn_section_kind scn_section_kernel = {
	.name = "kernel",
	.implicit = true,
	.doc = "The server's kernel: any sysctl synq models, by its Linux name "
	       "(net.ipv4.tcp_syncookies = 0), `personality`, and synq's table sizes "
	       "(synq.max_connections, synq.max_requests, synq.max_time_wait, "
	       "synq.max_sockets, synq.buffer_bytes, synq.mtu).",
	.open = kernel_open,
	.set_other = kernel_set_other,
};

const struct scn_section_kind scn_section_kernel_clients = {
	.name = "kernel.clients",
	.implicit = true,
	.doc = "The kernel of every client host (legitimate and attacking): sysctls and "
	       "`personality` as in [kernel], e.g. net.ipv4.tcp_syn_retries.",
	.open = kernel_clients_open,
	.set_other = kernel_clients_set_other,
};

/* SPDX-License-Identifier: BSD-2-Clause */
#include "synq/config.h"

#include "tcp/listen/backlog.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void synq_config_default(struct synq_config *cfg)
{
	*cfg = (struct synq_config){
		.somaxconn = 4096,
		.tcp_max_syn_backlog = 2048,
		.tcp_syncookies = 1,
		.tcp_synack_retries = 5,
		.tcp_syn_retries = 6,
		.tcp_syn_linear_timeouts = 4,
		.tcp_abort_on_overflow = 0,
		.tcp_timestamps = 1,
		.tcp_sack = 1,
		.tcp_dsack = 1,
		.tcp_window_scaling = 1,
		.tcp_fin_timeout = 60,
		.tcp_keepalive_time = 7200,
		.tcp_keepalive_intvl = 75,
		.tcp_keepalive_probes = 9,
		.tcp_retries1 = 3,
		.tcp_retries2 = 15,
		.tcp_orphan_retries = 0,
		.tcp_rfc1337 = 0,
		.tcp_tw_reuse = 2,
		.tcp_max_tw_buckets = 131072,
		.tcp_rmem = { 4096, 131072, 33554432 },
		.tcp_wmem = { 4096, 16384, 4194304 },
		.tcp_moderate_rcvbuf = 1,
		.tcp_slow_start_after_idle = 1,
		.tcp_reordering = 3,
		.tcp_congestion_control = SYNQ_CC_CUBIC,
		.tcp_early_retrans = 3,
		.tcp_frto = 2,
		.tcp_min_tso_segs = 2,
		.tcp_min_rtt_wlen = 300,
		.tcp_challenge_ack_limit = INT_MAX,
		.tcp_invalid_ratelimit = 500,
		.tcp_ecn = 2,
		.ip_default_ttl = 64,
		.ip_local_port_range = { 32768, 60999 },
		.personality = SYNQ_PERSONALITY_LINUX,
		.hz = 250,
		.max_sockets = 1024,
		.max_connections = 1024,
		.max_requests = 4096,
		.max_listeners = 16,
		.max_time_wait = 4096,
		.buffer_bytes = 64u << 20,
		.mtu = 1500,
	};
}

struct knob {
	const char *name;
	size_t offset;
	uint8_t count;  /* values in the field (tcp_rmem has 3) */
	int32_t min;
	int32_t max;
};

#define KNOB(key, field, n, lo, hi) { key, offsetof(struct synq_config, field), n, lo, hi }

static const struct knob knobs[] = {
	KNOB("net.core.somaxconn", somaxconn, 1, 0, INT_MAX),
	KNOB("net.ipv4.tcp_max_syn_backlog", tcp_max_syn_backlog, 1, 0, INT_MAX),
	KNOB("net.ipv4.tcp_syncookies", tcp_syncookies, 1, 0, 2),
	KNOB("net.ipv4.tcp_synack_retries", tcp_synack_retries, 1, 0, 255),
	KNOB("net.ipv4.tcp_syn_retries", tcp_syn_retries, 1, 1, 127),
	KNOB("net.ipv4.tcp_syn_linear_timeouts", tcp_syn_linear_timeouts, 1, 0, 255),
	KNOB("net.ipv4.tcp_abort_on_overflow", tcp_abort_on_overflow, 1, 0, 1),
	KNOB("net.ipv4.tcp_timestamps", tcp_timestamps, 1, 0, 2),
	KNOB("net.ipv4.tcp_sack", tcp_sack, 1, 0, 1),
	KNOB("net.ipv4.tcp_dsack", tcp_dsack, 1, 0, 1),
	KNOB("net.ipv4.tcp_window_scaling", tcp_window_scaling, 1, 0, 1),
	KNOB("net.ipv4.tcp_fin_timeout", tcp_fin_timeout, 1, 0, INT_MAX),
	KNOB("net.ipv4.tcp_keepalive_time", tcp_keepalive_time, 1, 1, 32767),
	KNOB("net.ipv4.tcp_keepalive_intvl", tcp_keepalive_intvl, 1, 1, 32767),
	KNOB("net.ipv4.tcp_keepalive_probes", tcp_keepalive_probes, 1, 1, 127),
	KNOB("net.ipv4.tcp_retries1", tcp_retries1, 1, 0, 255),
	KNOB("net.ipv4.tcp_retries2", tcp_retries2, 1, 0, 255),
	KNOB("net.ipv4.tcp_orphan_retries", tcp_orphan_retries, 1, 0, 255),
	KNOB("net.ipv4.tcp_rfc1337", tcp_rfc1337, 1, 0, 1),
	KNOB("net.ipv4.tcp_tw_reuse", tcp_tw_reuse, 1, 0, 2),
	KNOB("net.ipv4.tcp_max_tw_buckets", tcp_max_tw_buckets, 1, 0, INT_MAX),
	KNOB("net.ipv4.tcp_rmem", tcp_rmem, 3, 1, INT_MAX),
	KNOB("net.ipv4.tcp_wmem", tcp_wmem, 3, 1, INT_MAX),
	KNOB("net.ipv4.tcp_moderate_rcvbuf", tcp_moderate_rcvbuf, 1, 0, 1),
	KNOB("net.ipv4.tcp_slow_start_after_idle", tcp_slow_start_after_idle, 1, 0, 1),
	KNOB("net.ipv4.tcp_reordering", tcp_reordering, 1, 1, 300),
	KNOB("net.ipv4.tcp_early_retrans", tcp_early_retrans, 1, 0, 4),
	KNOB("net.ipv4.tcp_frto", tcp_frto, 1, 0, 2),
	KNOB("net.ipv4.tcp_min_tso_segs", tcp_min_tso_segs, 1, 1, 255),
	KNOB("net.ipv4.tcp_min_rtt_wlen", tcp_min_rtt_wlen, 1, 0, 86400),
	KNOB("net.ipv4.tcp_challenge_ack_limit", tcp_challenge_ack_limit, 1, 0, INT_MAX),
	KNOB("net.ipv4.tcp_invalid_ratelimit", tcp_invalid_ratelimit, 1, 0, INT_MAX),
	KNOB("net.ipv4.tcp_ecn", tcp_ecn, 1, 0, 5),
	KNOB("net.ipv4.ip_default_ttl", ip_default_ttl, 1, 1, 255),
	KNOB("net.ipv4.ip_local_port_range", ip_local_port_range, 2, 1, 65535),
	KNOB("kernel.personality", personality, 1, 0, SYNQ_PERSONALITY__COUNT - 1),
	KNOB("kernel.hz", hz, 1, 0, 1000),
};

/* Knobs Linux has and packetdrill scripts set, which synq does not model
 * (yet): accepted, reported as ignored. */
static const char *const ignored_knobs[] = {
	"net.ipv4.tcp_fack", "net.ipv4.tcp_allowed_congestion_control",
	"net.ipv4.tcp_recovery",
	"net.ipv4.tcp_tso_win_divisor", "net.ipv4.tcp_pacing_ss_ratio",
	"net.ipv4.tcp_pacing_ca_ratio", "net.ipv4.tcp_notsent_lowat",
	"net.ipv4.tcp_fastopen", "net.ipv4.tcp_fastopen_key", "net.ipv4.tcp_ecn_option",
	"net.ipv4.tcp_mtu_probing", "net.ipv4.tcp_autocorking",
	"net.ipv4.tcp_no_metrics_save", "net.ipv4.tcp_min_tso_segs",
	"net.ipv4.tcp_thin_linear_timeouts", "net.ipv4.tcp_workaround_signed_windows",
	"net.ipv4.tcp_shrink_window", "net.ipv4.tcp_comp_sack_nr",
	"net.ipv4.tcp_comp_sack_delay_ns",
};

/* Normalise "net/ipv4/x" to "net.ipv4.x" into buf. */
static const char *normalise_key(const char *key, char *buf, size_t cap)
{
	size_t i = 0;
	for (; key[i] && i + 1 < cap; i++)
		buf[i] = key[i] == '/' ? '.' : key[i];
	buf[i] = '\0';
	return buf;
}

static bool parse_int(const char **text, int32_t *out)
{
	const char *p = *text;
	while (*p == ' ' || *p == '\t')
		p++;
	char *end;
	long long v = strtoll(p, &end, 0);
	if (end == p || v < INT32_MIN || v > INT32_MAX)
		return false;
	*out = (int32_t)v;
	*text = end;
	return true;
}

enum synq_config_result synq_config_set(struct synq_config *cfg, const char *key,
                                        const char *value)
{
	char name[96];
	normalise_key(key, name, sizeof name);
	if (strcmp(name, "net.ipv4.tcp_congestion_control") == 0) {
		if (strcmp(value, "cubic") == 0 || strcmp(value, "cubic\n") == 0)
			cfg->tcp_congestion_control = SYNQ_CC_CUBIC;
		else if (strcmp(value, "reno") == 0 || strcmp(value, "reno\n") == 0)
			cfg->tcp_congestion_control = SYNQ_CC_RENO;
		else
			return SYNQ_CONFIG_BAD_VALUE;
		return SYNQ_CONFIG_OK;
	}
	if (strcmp(name, "kernel.personality") == 0) {
		int p = synq_personality_from_name(value);
		if (p >= 0) {
			cfg->personality = p;
			return SYNQ_CONFIG_OK;
		}
	}
	for (size_t k = 0; k < sizeof knobs / sizeof knobs[0]; k++) {
		const struct knob *kn = &knobs[k];
		if (strcmp(name, kn->name) != 0)
			continue;
		int32_t values[3];
		const char *p = value;
		for (unsigned i = 0; i < kn->count; i++) {
			if (!parse_int(&p, &values[i]) || values[i] < kn->min ||
			    values[i] > kn->max)
				return SYNQ_CONFIG_BAD_VALUE;
		}
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p != '\0')
			return SYNQ_CONFIG_BAD_VALUE;
		if (kn->offset == offsetof(struct synq_config, hz) && !synq_hz_supported(values[0]))
			return SYNQ_CONFIG_BAD_VALUE;
		memcpy((char *)cfg + kn->offset, values, kn->count * sizeof values[0]);
		return SYNQ_CONFIG_OK;
	}
	for (size_t k = 0; k < sizeof ignored_knobs / sizeof ignored_knobs[0]; k++)
		if (strcmp(name, ignored_knobs[k]) == 0)
			return SYNQ_CONFIG_IGNORED;
	return SYNQ_CONFIG_UNKNOWN_KEY;
}

/* A jiffy must be a whole number of synq's millisecond timer ticks: HZ=300's
 * 3.33 ms jiffy is not. */
bool synq_hz_supported(int32_t hz)
{
	return hz == 0 || hz == 100 || hz == 250 || hz == 1000;
}

static const char *const personality_names[SYNQ_PERSONALITY__COUNT] = {
	[SYNQ_PERSONALITY_LINUX] = "linux",
	[SYNQ_PERSONALITY_LINUX_2_4] = "linux-2.4",
	[SYNQ_PERSONALITY_BSD] = "bsd",
	[SYNQ_PERSONALITY_FREEBSD] = "freebsd",
	[SYNQ_PERSONALITY_HPUX_11] = "hpux-11",
	[SYNQ_PERSONALITY_SOLARIS_2_9] = "solaris-2.9",
	[SYNQ_PERSONALITY_WINDOWS] = "windows",
};

int synq_personality_from_name(const char *name)
{
	for (int p = 0; p < SYNQ_PERSONALITY__COUNT; p++)
		if (strcmp(name, personality_names[p]) == 0)
			return p;
	return -1;
}

const char *synq_personality_name(enum synq_personality p)
{
	return (unsigned)p < SYNQ_PERSONALITY__COUNT ? personality_names[p] : "?";
}

bool synq_personality_is_measured(enum synq_personality p)
{
	return (unsigned)p < SYNQ_PERSONALITY__COUNT && backlog_is_measured(p);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The server's settings under Apache's and nginx's directive names.
 *
 * Defaults are Apache 2.4's compiled-in ones (server/core.c, the MPMs,
 * mod_reqtimeout's documented defaults) and nginx's for the event model's
 * worker_connections; LimitRequestBody is 1 GiB as in Apache >= 2.4.54.
 * AcceptFilter http data sets TCP_DEFER_ACCEPT to 30 s, as Apache's
 * listen.c does on Linux; nginx's "listen ... deferred" sets 1 s. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/httpd_internal.h"

void synq_httpd_config_default(struct synq_httpd_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mpm = SYNQ_HTTPD_PREFORK;
	cfg->listen_addr = 0;
	cfg->listen_port = 80;
	cfg->listen_backlog = 511;
	cfg->defer_accept_s = 0;
	cfg->max_request_workers = 0;   /* the MPM's default */
	cfg->worker_processes = 1;
	cfg->worker_connections = 512;
	cfg->timeout_ns = SYNQ_SEC(60);
	cfg->keep_alive = true;
	cfg->keep_alive_timeout_ns = SYNQ_SEC(5);
	cfg->max_keep_alive_requests = 100;
	cfg->reqtimeout_header_ns = SYNQ_SEC(20);
	cfg->reqtimeout_header_max_ns = SYNQ_SEC(40);
	cfg->reqtimeout_header_minrate = 500;
	cfg->reqtimeout_body_ns = SYNQ_SEC(20);
	cfg->reqtimeout_body_max_ns = 0;
	cfg->reqtimeout_body_minrate = 500;
	cfg->max_conn_per_ip = 0;
	cfg->limit_request_line = 8190;
	cfg->limit_request_fields = 100;
	cfg->limit_request_field_size = 8190;
	cfg->limit_request_body = UINT64_C(1) << 30;
	cfg->lingering_close = true;
	cfg->extended_status = true;
	cfg->access_log = true;
	cfg->response_bytes = 100;
	cfg->service = SYNQ_HTTPD_SERVICE_NONE;
	cfg->service_mean_ns = 0;
	cfg->service_sigma = 0.5;
	cfg->seed = 1;
	snprintf(cfg->server_name, sizeof cfg->server_name, "localhost");
}

__attribute__((format(printf, 5, 6)))
static int bad(char *err, size_t len, const char *directive, const char *value,
               const char *why, ...)
{
	if (err && len) {
		char reason[160];
		va_list ap;
		va_start(ap, why);
		vsnprintf(reason, sizeof reason, why, ap);
		va_end(ap);
		snprintf(err, len, "%s \"%s\": %s", directive, value, reason);
	}
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "5", "5s", "250ms", "1.5": a duration; seconds unless suffixed. */
static int parse_duration(const char *s, synq_time_t *out)
{
	if (s == NULL || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || v < 0 || v > 86400.0 * 365)
		return -1;
	double scale = 1e9;
	if (!strcmp(end, "ms"))
		scale = 1e6;
	else if (!strcmp(end, "us"))
		scale = 1e3;
	else if (*end != '\0' && strcmp(end, "s"))
		return -1;
	*out = (synq_time_t)(v * scale + 0.5);
	return 0;
}

static int parse_flag(const char *s, bool *out)
{
	if (!strcasecmp(s, "on") || !strcmp(s, "1") || !strcasecmp(s, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "off") || !strcmp(s, "0") || !strcasecmp(s, "no")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int parse_listen(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	const char *p = colon ? colon + 1 : s;
	uint64_t v;
	if (parse_u64(p, 65535, &v))
		return -1;
	*port = (uint16_t)v;
	*addr = 0;
	if (colon) {
		unsigned a, b, c, d;
		char tail;
		char host[32];
		size_t n = (size_t)(colon - s);
		if (n >= sizeof host)
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
		if (!strcmp(host, "*") || n == 0)
			return 0;
		if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
		    b > 255 || c > 255 || d > 255)
			return -1;
		*addr = a << 24 | b << 16 | c << 8 | d;
	}
	return 0;
}

/* One mod_reqtimeout stage: "header=20-40,MinRate=500" or "body=0". */
static int parse_stage(char *item, struct synq_httpd_config *cfg)
{
	char *eq = strchr(item, '=');
	if (eq == NULL)
		return -1;
	*eq = '\0';
	bool header = !strcasecmp(item, "header");
	if (!header && strcasecmp(item, "body"))
		return -1;   /* handshake= is accepted by Apache; synq has no TLS */
	char *v = eq + 1;
	char *rate = strchr(v, ',');
	uint64_t minrate = 0;
	if (rate) {
		*rate++ = '\0';
		if (strncasecmp(rate, "MinRate=", 8) || parse_u64(rate + 8, 1u << 30, &minrate))
			return -1;
	}
	char *dash = strchr(v, '-');
	uint64_t first, max = 0;
	if (dash) {
		*dash = '\0';
		if (parse_u64(dash + 1, 86400, &max))
			return -1;
	}
	if (parse_u64(v, 86400, &first) || (dash && max < first))
		return -1;
	if (header) {
		cfg->reqtimeout_header_ns = SYNQ_SEC((int64_t)first);
		cfg->reqtimeout_header_max_ns = SYNQ_SEC((int64_t)max);
		cfg->reqtimeout_header_minrate = (uint32_t)minrate;
	} else {
		cfg->reqtimeout_body_ns = SYNQ_SEC((int64_t)first);
		cfg->reqtimeout_body_max_ns = SYNQ_SEC((int64_t)max);
		cfg->reqtimeout_body_minrate = (uint32_t)minrate;
	}
	return 0;
}

static int parse_service(const char *s, struct synq_httpd_config *cfg)
{
	char kind[16];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	if (n >= sizeof kind)
		return -1;
	memcpy(kind, s, n);
	kind[n] = '\0';
	if (!strcasecmp(kind, "none")) {
		cfg->service = SYNQ_HTTPD_SERVICE_NONE;
		return colon ? -1 : 0;
	}
	if (colon == NULL)
		return -1;
	char args[64];
	snprintf(args, sizeof args, "%s", colon + 1);
	char *comma = strchr(args, ',');
	if (comma)
		*comma++ = '\0';
	synq_time_t mean;
	if (parse_duration(args, &mean))
		return -1;
	if (!strcasecmp(kind, "fixed"))
		cfg->service = SYNQ_HTTPD_SERVICE_FIXED;
	else if (!strcasecmp(kind, "exponential"))
		cfg->service = SYNQ_HTTPD_SERVICE_EXPONENTIAL;
	else if (!strcasecmp(kind, "lognormal"))
		cfg->service = SYNQ_HTTPD_SERVICE_LOGNORMAL;
	else
		return -1;
	if (comma) {
		char *end;
		double sigma = strtod(comma, &end);
		if (*end != '\0' || !(sigma >= 0 && sigma <= 10) ||
		    cfg->service != SYNQ_HTTPD_SERVICE_LOGNORMAL)
			return -1;
		cfg->service_sigma = sigma;
	}
	cfg->service_mean_ns = mean;
	return 0;
}

int synq_httpd_config_set(struct synq_httpd_config *cfg, const char *d, const char *v,
                          char *err, size_t err_len)
{
	uint64_t n;
	synq_time_t t;
	bool f;
#define IS(name) (!strcasecmp(d, name))
#define NUM(max) (parse_u64(v, (max), &n) == 0)
	if (v == NULL)
		return bad(err, err_len, d, "", "needs a value");
	if (IS("MPM") || IS("ServerMPM")) {
		if (!strcasecmp(v, "prefork"))
			cfg->mpm = SYNQ_HTTPD_PREFORK;
		else if (!strcasecmp(v, "event"))
			cfg->mpm = SYNQ_HTTPD_EVENT;
		else
			return bad(err, err_len, d, v, "expected prefork or event");
	} else if (IS("Listen") || IS("listen")) {
		if (parse_listen(v, &cfg->listen_addr, &cfg->listen_port))
			return bad(err, err_len, d, v, "expected [ADDR:]PORT, ADDR dotted IPv4");
	} else if (IS("ListenBacklog")) {
		if (!NUM(INT32_MAX))
			return bad(err, err_len, d, v, "expected a count");
		cfg->listen_backlog = (int32_t)n;
	} else if (IS("AcceptFilter")) {
		/* "http data", "data", "http none", "none" */
		const char *w = strrchr(v, ' ');
		w = w ? w + 1 : v;
		if (!strcasecmp(w, "data"))
			cfg->defer_accept_s = 30;
		else if (!strcasecmp(w, "none"))
			cfg->defer_accept_s = 0;
		else
			return bad(err, err_len, d, v, "expected data or none");
	} else if (IS("deferred")) {
		if (parse_flag(v, &f) == 0)
			cfg->defer_accept_s = f ? 1 : 0;
		else if (NUM(3600))
			cfg->defer_accept_s = (int32_t)n;
		else
			return bad(err, err_len, d, v, "expected on, off or seconds");
	} else if (IS("MaxRequestWorkers") || IS("MaxClients")) {
		if (!NUM(1u << 20) || n == 0)
			return bad(err, err_len, d, v, "expected 1..1048576");
		cfg->max_request_workers = (uint32_t)n;
	} else if (IS("worker_processes")) {
		if (!NUM(64) || n == 0)
			return bad(err, err_len, d, v, "expected 1..64");
		cfg->worker_processes = (uint32_t)n;
	} else if (IS("worker_connections")) {
		if (!NUM(1u << 20) || n == 0)
			return bad(err, err_len, d, v, "expected 1..1048576");
		cfg->worker_connections = (uint32_t)n;
	} else if (IS("Timeout")) {
		if (parse_duration(v, &t) || t == 0)
			return bad(err, err_len, d, v, "expected a duration above 0");
		cfg->timeout_ns = t;
	} else if (IS("KeepAlive")) {
		if (parse_flag(v, &cfg->keep_alive))
			return bad(err, err_len, d, v, "expected On or Off");
	} else if (IS("KeepAliveTimeout") || IS("keepalive_timeout")) {
		if (parse_duration(v, &t))
			return bad(err, err_len, d, v, "expected a duration");
		cfg->keep_alive_timeout_ns = t;
	} else if (IS("MaxKeepAliveRequests") || IS("keepalive_requests")) {
		if (!NUM(UINT32_MAX))
			return bad(err, err_len, d, v, "expected a count (0: unlimited)");
		cfg->max_keep_alive_requests = (uint32_t)n;
	} else if (IS("RequestReadTimeout")) {
		struct synq_httpd_config tmp = *cfg;
		char copy[256];
		if (strlen(v) >= sizeof copy)
			return bad(err, err_len, d, v, "too long");
		strcpy(copy, v);
		char *save = NULL;
		for (char *item = strtok_r(copy, " \t", &save); item;
		     item = strtok_r(NULL, " \t", &save))
			if (parse_stage(item, &tmp))
				return bad(err, err_len, d, v,
				           "expected header=T[-MAX][,MinRate=R] body=T[-MAX][,MinRate=R]");
		*cfg = tmp;
	} else if (IS("MaxConnPerIP") || IS("limit_conn")) {
		if (!NUM(1u << 20))
			return bad(err, err_len, d, v, "expected a count (0: off)");
		cfg->max_conn_per_ip = (uint32_t)n;
	} else if (IS("LimitRequestLine")) {
		if (!NUM(65536) || n < 16)
			return bad(err, err_len, d, v, "expected 16..65536");
		cfg->limit_request_line = (uint32_t)n;
	} else if (IS("LimitRequestFields")) {
		if (!NUM(32767))
			return bad(err, err_len, d, v, "expected 0..32767");
		cfg->limit_request_fields = (uint32_t)n;
	} else if (IS("LimitRequestFieldSize")) {
		if (!NUM(65536) || n < 16)
			return bad(err, err_len, d, v, "expected 16..65536");
		cfg->limit_request_field_size = (uint32_t)n;
	} else if (IS("LimitRequestBody")) {
		if (!NUM(UINT64_C(1) << 62))
			return bad(err, err_len, d, v, "expected bytes (0: unlimited)");
		cfg->limit_request_body = n;
	} else if (IS("LingeringClose") || IS("lingering_close")) {
		if (parse_flag(v, &cfg->lingering_close))
			return bad(err, err_len, d, v, "expected on or off");
	} else if (IS("ExtendedStatus")) {
		if (parse_flag(v, &cfg->extended_status))
			return bad(err, err_len, d, v, "expected On or Off");
	} else if (IS("AccessLog") || IS("access_log")) {
		if (parse_flag(v, &cfg->access_log))
			return bad(err, err_len, d, v, "expected on or off");
	} else if (IS("ResponseBytes")) {
		if (!NUM(UINT64_C(1) << 50))
			return bad(err, err_len, d, v, "expected bytes");
		cfg->response_bytes = n;
	} else if (IS("ServiceTime")) {
		if (parse_service(v, cfg))
			return bad(err, err_len, d, v,
			           "expected none, fixed:T, exponential:T or lognormal:T[,SIGMA]");
	} else if (IS("Seed")) {
		if (!NUM(UINT64_MAX))
			return bad(err, err_len, d, v, "expected a number");
		cfg->seed = n;
	} else if (IS("ServerName")) {
		if (strlen(v) >= sizeof cfg->server_name || strpbrk(v, "\r\n<>&\""))
			return bad(err, err_len, d, v, "expected a plain name under 64 bytes");
		strcpy(cfg->server_name, v);
	} else {
		return bad(err, err_len, d, v, "unknown directive");
	}
	return 0;
#undef IS
#undef NUM
}

int synq_httpd_config_listenq(struct synq_httpd_config *cfg, const char *listenq)
{
	uint64_t n;
	if (listenq == NULL || *listenq == '\0')
		return 0;
	/* UNP's Listen(): backlog = atoi(getenv("LISTENQ")); we refuse what
	 * atoi would quietly turn into 0 */
	if (parse_u64(listenq, INT32_MAX, &n))
		return -EINVAL;
	cfg->listen_backlog = (int32_t)n;
	return 0;
}

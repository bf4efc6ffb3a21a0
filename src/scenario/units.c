/* SPDX-License-Identifier: BSD-2-Clause */
/* Parsing the quantities of scenario files (see units.h for the forms).
 *
 * Numbers are plain decimals ("12", "1.5"), parsed here rather than with
 * strtod(), which would also take "inf", "nan", hex floats and the
 * locale's decimal point: a scenario means the same on every machine. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scenario/units.h"

#define DURATION_MAX_S 3.0e9 /* about 95 years: far beyond any run */

/* A non-negative decimal at *p: digits, optionally '.' and digits. Moves
 * *p past it. False if there is no digit. */
static bool parse_decimal(const char **p, double *out)
{
	const char *s = *p;
	double v = 0;
	bool digits = false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		digits = true;
	}
	if (*s == '.') {
		s++;
		double scale = 0.1;
		while (*s >= '0' && *s <= '9') {
			v += (*s++ - '0') * scale;
			scale /= 10;
			digits = true;
		}
	}
	if (!digits)
		return false;
	*p = s;
	*out = v;
	return true;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

struct unit {
	const char *name;
	double scale;
};

static bool unit_lookup(const struct unit *units, const char *name, double *scale,
                        bool nocase)
{
	for (; units->name; units++)
		if (nocase ? !strcasecmp(units->name, name) : !strcmp(units->name, name)) {
			*scale = units->scale;
			return true;
		}
	return false;
}

static const struct unit time_units[] = {
	{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 },
	{ "min", 60 }, { "h", 3600 }, { NULL, 0 },
};

const char *scn_parse_duration(const char *text, synq_time_t *out)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a duration such as 10ms or 1.5s)";
	if (*p == '-')
		return "negative duration (a duration is 0 or more)";
	double v;
	if (!parse_decimal(&p, &v))
		return "not a duration (use a number and a unit: 10ms, 1.5s, 2min)";
	p = skip_blanks(p);
	double scale;
	if (*p == '\0') {
		if (v != 0)
			return "duration without a unit (write 10s, 10ms, ...)";
		*out = 0;
		return NULL;
	}
	if (!unit_lookup(time_units, p, &scale, false))
		return "bad unit (use ns, us, ms, s, min or h)";
	double s = v * scale;
	if (s > DURATION_MAX_S)
		return "duration too long";
	*out = (synq_time_t)llround(s * 1e9);
	return NULL;
}

/* "k" and "M" multipliers glued to a number ("100k/s", "1M"). */
static double multiplier(const char **p)
{
	if (**p == 'k') {
		(*p)++;
		return 1e3;
	}
	if (**p == 'M') {
		(*p)++;
		return 1e6;
	}
	return 1;
}

static const struct unit rate_units[] = {
	{ "/s", 1 }, { "/min", 1.0 / 60 }, { "/h", 1.0 / 3600 }, { NULL, 0 },
};

const char *scn_parse_rate(const char *text, double *per_s)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a rate such as 100/s)";
	if (*p == '-')
		return "negative rate (a rate is 0/s or more)";
	double v;
	if (!parse_decimal(&p, &v))
		return "not a rate (use a number and a unit: 100/s, 6000/min)";
	v *= multiplier(&p);
	p = skip_blanks(p);
	double scale;
	if (*p == '\0')
		return "rate without a unit (write 100/s, 6000/min or 3/h)";
	if (!unit_lookup(rate_units, p, &scale, false))
		return "bad unit (use /s, /min or /h)";
	*per_s = v * scale;
	return NULL;
}

static const struct unit bit_units[] = {
	{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
	{ "bps", 1 }, { "kbps", 1e3 }, { "mbps", 1e6 }, { "gbps", 1e9 }, { "tbps", 1e12 },
	{ "bit/s", 1 }, { "kbit/s", 1e3 }, { "mbit/s", 1e6 }, { "gbit/s", 1e9 },
	{ NULL, 0 },
};

const char *scn_parse_bitrate(const char *text, uint64_t *bps)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a bit rate such as 100mbit, or 0 for unlimited)";
	if (*p == '-')
		return "negative bit rate";
	if (!strcasecmp(p, "unlimited")) {
		*bps = 0;
		return NULL;
	}
	double v;
	if (!parse_decimal(&p, &v))
		return "not a bit rate (use 100mbit, 1gbit, ... or 0 for unlimited)";
	p = skip_blanks(p);
	double scale;
	if (*p == '\0') {
		if (v != 0)
			return "bit rate without a unit (write 100mbit, 1gbit, ...)";
		*bps = 0;
		return NULL;
	}
	if (!unit_lookup(bit_units, p, &scale, true))
		return "bad unit (use bit, kbit, mbit, gbit)";
	double r = v * scale;
	if (r > 1e15)
		return "bit rate above 1 Pbit/s";
	if (r < 1)
		return "bit rate below 1 bit/s (use 0 for unlimited)";
	*bps = (uint64_t)llround(r);
	return NULL;
}

static const struct unit byte_units[] = {
	{ "B", 1 }, { "kB", 1e3 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 },
	{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 }, { NULL, 0 },
};

const char *scn_parse_bytes(const char *text, uint64_t *out)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a size such as 1000, 4KiB or 1MB)";
	if (*p == '-')
		return "negative size";
	double v;
	if (!parse_decimal(&p, &v))
		return "not a size (use 1000, 1000B, 4KiB, 16kB, 1MiB)";
	p = skip_blanks(p);
	double scale = 1;
	if (*p != '\0' && !unit_lookup(byte_units, p, &scale, false))
		return "bad unit (use B, kB, KiB, MB, MiB, GB, GiB)";
	double b = v * scale;
	if (b != floor(b))
		return "not a whole number of bytes";
	if (b > 1e15)
		return "size too large";
	*out = (uint64_t)b;
	return NULL;
}

const char *scn_parse_count(const char *text, uint64_t *out)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a whole number)";
	if (*p == '-')
		return "negative count (a count is 0 or more)";
	double v;
	const char *start = p;
	if (!parse_decimal(&p, &v))
		return "not a whole number";
	v *= multiplier(&p);
	p = skip_blanks(p);
	if (*p != '\0')
		return "not a whole number (no unit here)";
	if (v != floor(v) || (strchr(start, '.') && v == 0))
		return "not a whole number";
	if (v > 1e15)
		return "number too large";
	*out = (uint64_t)v;
	return NULL;
}

const char *scn_parse_probability(const char *text, double *out)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a probability such as 0.05 or 5%)";
	if (*p == '-')
		return "negative probability";
	double v;
	if (!parse_decimal(&p, &v))
		return "not a probability (use 0.05 or 5%)";
	p = skip_blanks(p);
	if (*p == '%') {
		v /= 100;
		p = skip_blanks(p + 1);
	}
	if (*p != '\0')
		return "bad unit (a probability is a fraction such as 0.05, or 5%)";
	if (v > 1)
		return "probability above 1";
	*out = v;
	return NULL;
}

const char *scn_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (yes or no)";
	for (unsigned i = 0; i < 4; i++) {
		if (!strcasecmp(p, yes[i])) {
			*out = true;
			return NULL;
		}
		if (!strcasecmp(p, no[i])) {
			*out = false;
			return NULL;
		}
	}
	return "not a switch (use yes or no)";
}

/* Copy the argument list of "name(a, b)" into args[0..1]; returns the
 * count, or -1 if the text is not of that shape. */
static int split_call(const char *text, const char *name, char args[2][64])
{
	size_t n = strlen(name);
	if (strncmp(text, name, n) != 0 || text[n] != '(')
		return -1;
	const char *s = text + n + 1;
	const char *close = strchr(s, ')');
	if (close == NULL || *skip_blanks(close + 1) != '\0')
		return -1;
	int count = 0;
	while (s < close && count < 2) {
		const char *comma = memchr(s, ',', (size_t)(close - s));
		const char *end = comma ? comma : close;
		size_t len = (size_t)(end - s);
		if (len >= 64)
			return -1;
		memcpy(args[count], s, len);
		args[count][len] = '\0';
		/* strip trailing blanks; leading ones are skipped by the parsers */
		while (len && (args[count][len - 1] == ' ' || args[count][len - 1] == '\t'))
			args[count][--len] = '\0';
		count++;
		s = comma ? comma + 1 : close;
	}
	if (s < close)
		return -1; /* more than two arguments */
	return count;
}

const char *scn_parse_dist(const char *text, struct scn_dist *out)
{
	const char *p = skip_blanks(text);
	if (*p == '\0')
		return "missing value (a duration, or exp(5s), uniform(1s, 5s), lognormal(100ms, 0.5))";
	char args[2][64];
	struct scn_dist d = { 0 };
	const char *err;
	int n;
	if ((n = split_call(p, "exp", args)) >= 0) {
		if (n != 1)
			return "exp() takes one mean, as in exp(5s)";
		d.kind = SCN_DIST_EXP;
		if ((err = scn_parse_duration(args[0], &d.a_ns)))
			return err;
	} else if ((n = split_call(p, "uniform", args)) >= 0) {
		if (n != 2)
			return "uniform() takes two ends, as in uniform(1s, 5s)";
		d.kind = SCN_DIST_UNIFORM;
		if ((err = scn_parse_duration(args[0], &d.a_ns)) ||
		    (err = scn_parse_duration(args[1], &d.b_ns)))
			return err;
		if (d.b_ns < d.a_ns)
			return "uniform(low, high) with high below low";
	} else if ((n = split_call(p, "lognormal", args)) >= 0) {
		if (n != 2)
			return "lognormal() takes a median and a sigma, as in lognormal(100ms, 0.5)";
		d.kind = SCN_DIST_LOGNORMAL;
		if ((err = scn_parse_duration(args[0], &d.a_ns)))
			return err;
		const char *q = skip_blanks(args[1]);
		if (*q == '-')
			return "negative sigma";
		if (!parse_decimal(&q, &d.sigma) || *skip_blanks(q) != '\0' || d.sigma > 10)
			return "lognormal sigma must be a number from 0 to 10";
	} else if (strchr(p, '(')) {
		return "unknown distribution (use exp(), uniform() or lognormal())";
	} else {
		d.kind = SCN_DIST_FIXED;
		if ((err = scn_parse_duration(p, &d.a_ns)))
			return err;
	}
	*out = d;
	return NULL;
}

const char *scn_parse_prefix(const char *text, uint32_t *addr, unsigned *len)
{
	unsigned a, b, c, d, l;
	char tail;
	if (sscanf(skip_blanks(text), "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &l, &tail) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || l > 32)
		return "not an IPv4 prefix (write 198.18.0.0/15)";
	uint32_t v = a << 24 | b << 16 | c << 8 | d;
	uint32_t mask = l ? ~0u << (32 - l) : 0;
	if (v & ~mask)
		return "address bits set beyond the prefix length";
	*addr = v;
	*len = l;
	return NULL;
}

/* Standard normal by the Box-Muller transform (two uniforms per draw; the
 * second value is thrown away to keep the generator's use simple). */
static double normal(struct sim_rng *rng)
{
	double u1 = 1.0 - sim_rng_double(rng); /* (0, 1] */
	double u2 = sim_rng_double(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

synq_time_t scn_dist_sample(const struct scn_dist *d, struct sim_rng *rng)
{
	double v;
	switch (d->kind) {
	case SCN_DIST_EXP:
		v = -(double)d->a_ns * log(1.0 - sim_rng_double(rng));
		break;
	case SCN_DIST_UNIFORM:
		return d->a_ns + (synq_time_t)sim_rng_below(rng, (uint64_t)(d->b_ns - d->a_ns) + 1);
	case SCN_DIST_LOGNORMAL:
		v = (double)d->a_ns * exp(d->sigma * normal(rng));
		break;
	case SCN_DIST_FIXED:
	default:
		return d->a_ns;
	}
	if (v > DURATION_MAX_S * 1e9)
		v = DURATION_MAX_S * 1e9;
	return (synq_time_t)v;
}

double scn_dist_mean_ns(const struct scn_dist *d)
{
	switch (d->kind) {
	case SCN_DIST_UNIFORM:
		return ((double)d->a_ns + (double)d->b_ns) / 2;
	case SCN_DIST_LOGNORMAL:
		return (double)d->a_ns * exp(d->sigma * d->sigma / 2);
	case SCN_DIST_EXP:
	case SCN_DIST_FIXED:
	default:
		return (double)d->a_ns;
	}
}

char *scn_format_duration(synq_time_t ns, char *buf, unsigned cap)
{
	static const struct { const char *unit; synq_time_t scale; } units[] = {
		{ "h", SYNQ_SEC(3600) }, { "min", SYNQ_SEC(60) }, { "s", SYNQ_SEC(1) },
		{ "ms", SYNQ_MSEC(1) }, { "us", SYNQ_USEC(1) },
	};
	if (ns == 0) {
		snprintf(buf, cap, "0");
		return buf;
	}
	for (unsigned i = 0; i < sizeof units / sizeof units[0]; i++)
		if (ns >= units[i].scale) {
			double v = (double)ns / (double)units[i].scale;
			snprintf(buf, cap, "%g%s", v, units[i].unit);
			return buf;
		}
	snprintf(buf, cap, "%lldns", (long long)ns);
	return buf;
}

char *scn_format_dist(const struct scn_dist *d, char *buf, unsigned cap)
{
	char a[32], b[32];
	scn_format_duration(d->a_ns, a, sizeof a);
	switch (d->kind) {
	case SCN_DIST_EXP:
		snprintf(buf, cap, "exp(%s)", a);
		break;
	case SCN_DIST_UNIFORM:
		snprintf(buf, cap, "uniform(%s, %s)", a, scn_format_duration(d->b_ns, b, sizeof b));
		break;
	case SCN_DIST_LOGNORMAL:
		snprintf(buf, cap, "lognormal(%s, %g)", a, d->sigma);
		break;
	case SCN_DIST_FIXED:
	default:
		snprintf(buf, cap, "%s", a);
		break;
	}
	return buf;
}

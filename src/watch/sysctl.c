/* SPDX-License-Identifier: BSD-2-Clause */
#include "watch/sysctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[WATCH_SYSCTL__COUNT] = {
#define WATCH_SYSCTL_NAME(id, name) [WATCH_SYSCTL_##id] = name,
	WATCH_SYSCTLS(WATCH_SYSCTL_NAME)
#undef WATCH_SYSCTL_NAME
};

const char *watch_sysctl_name(enum watch_sysctl_id id)
{
	return (unsigned)id < WATCH_SYSCTL__COUNT ? names[id] : NULL;
}

int watch_sysctl_path(enum watch_sysctl_id id, char *buf, size_t cap)
{
	const char *name = watch_sysctl_name(id);
	if (name == NULL)
		return -EINVAL;
	int n = snprintf(buf, cap, "/proc/sys/%s", name);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	for (char *p = buf + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

int watch_sysctl_parse(const char *text, size_t len, int64_t *out)
{
	char tmp[32];
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof tmp)
		return -EINVAL;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (errno || end == tmp || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int64_t watch_sysctl_get(const struct watch_sysctls *s, enum watch_sysctl_id id,
                         int64_t fallback)
{
	return (unsigned)id < WATCH_SYSCTL__COUNT && (s->present & (1u << id)) ? s->value[id]
	                                                                       : fallback;
}

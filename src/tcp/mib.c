/* SPDX-License-Identifier: BSD-2-Clause */
#include "synq/mib.h"

#include <inttypes.h>
#include <stdio.h>

static const char *const counter_names[SYNQ_MIB__COUNT] = {
#define SYNQ_MIB_NAME(group, name) #group #name,
	SYNQ_MIB_COUNTERS(SYNQ_MIB_NAME)
#undef SYNQ_MIB_NAME
};

const char *synq_mib_name(enum synq_mib_counter c)
{
	return (unsigned)c < SYNQ_MIB__COUNT ? counter_names[c] : "?";
}

size_t synq_mib_format(const struct synq_mib *mib, char *buf, size_t cap, int all)
{
	size_t used = 0;
	for (int c = 0; c < SYNQ_MIB__COUNT; c++) {
		if (!all && mib->value[c] == 0)
			continue;
		size_t room = used < cap ? cap - used : 0;
		int n = snprintf(room ? buf + used : NULL, room, "%-32s%" PRIu64 "\n",
		                 counter_names[c], mib->value[c]);
		if (n > 0)
			used += (size_t)n;
	}
	if (cap && used >= cap)
		buf[cap - 1] = '\0';
	return used;
}

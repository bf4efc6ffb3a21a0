/* SPDX-License-Identifier: BSD-2-Clause */
#include "synq/drop.h"

static const char *const reason_names[] = {
#define SYNQ_DROP_NAME(name, text) #name,
	SYNQ_DROP_REASONS(SYNQ_DROP_NAME)
#undef SYNQ_DROP_NAME
};

static const char *const reason_texts[] = {
#define SYNQ_DROP_TEXT(name, text) text,
	SYNQ_DROP_REASONS(SYNQ_DROP_TEXT)
#undef SYNQ_DROP_TEXT
};

const char *synq_drop_reason_name(enum synq_drop_reason reason)
{
	return (unsigned)reason < SYNQ_DROP__COUNT ? reason_names[reason] : "?";
}

const char *synq_drop_reason_text(enum synq_drop_reason reason)
{
	return (unsigned)reason < SYNQ_DROP__COUNT ? reason_texts[reason] : "?";
}

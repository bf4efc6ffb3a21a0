/* SPDX-License-Identifier: BSD-2-Clause */
/* The registry of section kinds. A new section is one line here (and its
 * own file): the loader finds kinds only through this table. */
#include <stddef.h>

#include "scenario/expect.h"
#include "scenario/section.h"

const struct scn_section_kind *const scn_section_kinds[] = {
	&scn_section_run,
	&scn_section_kernel,
	&scn_section_kernel_clients,
	&scn_section_server,
	&scn_section_link,
	&scn_section_clients,
	&scn_section_attack,
	&scn_section_nat,
	&scn_section_expect,
	NULL,
};

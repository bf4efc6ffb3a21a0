/* SPDX-License-Identifier: BSD-2-Clause */
/* The wire code once more, renamed (wire.h), compiled as part of
 * the harness: fuzz/coverage-ignore.txt leaves fuzz/ uninstrumented for
 * coverage, while ASan and UBSan check it as they check the originals. */
#include "wire.h"

#include "ip/ipv4.c"
#include "ip/tcp_wire.c"

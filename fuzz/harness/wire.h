/* SPDX-License-Identifier: BSD-2-Clause */
/* The IPv4 and TCP wire code under other names, for the harness's own use:
 * stack_input builds the segments it injects and parses the datagrams the
 * stack sends with these (wire.c), so that its own parsing and
 * building leave no coverage behind. The stack's calls go to the
 * instrumented originals: what the stack parses and emits still counts. */
#ifndef SYNQ_FUZZ_HARNESS_WIRE_H
#define SYNQ_FUZZ_HARNESS_WIRE_H

#define ipv4_parse harness_ipv4_parse
#define ipv4_parse_verified harness_ipv4_parse_verified
#define ipv4_emit harness_ipv4_emit
#define ipv4_forward_ttl harness_ipv4_forward_ttl
#define ipv4_set_src harness_ipv4_set_src
#define ipv4_set_dst harness_ipv4_set_dst
#define ipv4_addr_parse harness_ipv4_addr_parse
#define ipv4_addr_format harness_ipv4_addr_format
#define tcp_parse harness_tcp_parse
#define tcp_options_parse harness_tcp_options_parse
#define tcp_options_size harness_tcp_options_size
#define tcp_options_emit harness_tcp_options_emit
#define tcp_segment_emit harness_tcp_segment_emit
#define tcp_segment_emit_unsummed harness_tcp_segment_emit_unsummed
#define tcp_checksum_fill harness_tcp_checksum_fill
#define tcp_flags_format harness_tcp_flags_format

#include "ip/ipv4.h"
#include "ip/tcp_wire.h"

#endif

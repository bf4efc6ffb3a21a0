/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_DROP_H
#define SYNQ_DROP_H

/* Why a packet was dropped. Network anomalies are not errors: every layer
 * drops the packet, counts it under one of these reasons and goes on.
 * The list is the one place where drop reasons are named (in the spirit of
 * Linux's enum skb_drop_reason). */

#include <stdint.h>

#define SYNQ_DROP_REASONS(X)                                                   \
	X(NONE, "not dropped")                                                 \
	X(IP_SHORT, "shorter than an IPv4 header")                             \
	X(IP_VERSION, "IP version is not 4")                                   \
	X(IP_HEADER_LEN, "IHL below 5 or beyond the buffer")                   \
	X(IP_TOTAL_LEN, "total length below the header length")                \
	X(IP_TRUNCATED, "total length beyond the buffer")                      \
	X(IP_CHECKSUM, "bad IPv4 header checksum")                             \
	X(IP_FRAGMENT, "IPv4 fragment (no reassembly)")                        \
	X(IP_PROTOCOL, "IP protocol not handled")                              \
	X(IP_OTHER_HOST, "destination is not this host")                       \
	X(IP_TTL_EXPIRED, "TTL expired in transit")                            \
	X(IP_NO_ROUTE, "no route to the destination")                          \
	X(TCP_SHORT, "shorter than a TCP header")                              \
	X(TCP_HEADER_LEN, "TCP data offset below 5 or beyond the segment")     \
	X(TCP_CHECKSUM, "bad TCP checksum")                                    \
	X(TCP_FLAGS, "impossible TCP flag combination")                        \
	X(TCP_NO_SOCKET, "no socket for the segment")                          \
	X(TCP_SEQUENCE, "segment outside the receive window")                  \
	X(TCP_ACK, "unacceptable acknowledgment number")                       \
	X(TCP_PAWS, "timestamp older than the last one seen (PAWS)")           \
	X(TCP_RST, "reset not accepted")                                       \
	X(TCP_LISTEN, "dropped by the listen path")                            \
	X(TCP_RECV_BUFFER, "receive buffer full")                              \
	X(TCP_STATE, "segment not accepted in this state")                     \
	X(LINK_QUEUE_FULL, "link queue full")                                  \
	X(LINK_LOSS, "random loss on the link")                                \
	X(NAT, "dropped by a NAT router (table full, closed port, limit)")

enum synq_drop_reason {
#define SYNQ_DROP_ENUM(name, text) SYNQ_DROP_##name,
	SYNQ_DROP_REASONS(SYNQ_DROP_ENUM)
#undef SYNQ_DROP_ENUM
	SYNQ_DROP__COUNT
};

/* The reason's enum name without its prefix ("IP_CHECKSUM"), and a sentence. */
const char *synq_drop_reason_name(enum synq_drop_reason reason);
const char *synq_drop_reason_text(enum synq_drop_reason reason);

/* Per-reason drop counters. */
struct synq_drop_counts {
	uint64_t by_reason[SYNQ_DROP__COUNT];
};

#endif

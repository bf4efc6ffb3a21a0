/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_IP_IPV4_H
#define SYNQ_IP_IPV4_H

/* IPv4 header: validate-and-parse into a view, and build.
 *
 * A view borrows the caller's buffer; nothing is copied. Addresses are kept
 * in host order. The checks follow Linux's ip_rcv_core(): length, version,
 * IHL, header checksum, total length against the buffer (bytes beyond the
 * total length are link padding and ignored). We do not reassemble, so
 * fragments are dropped with their own reason. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synq/drop.h"

#define IPV4_HEADER_MIN 20
#define IPV4_HEADER_MAX 60
#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_TCP 6
#define IPV4_PROTO_UDP 17
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1fff
#define IPV4_DEFAULT_TTL 64 /* Linux net.ipv4.ip_default_ttl */

struct ipv4_view {
	uint32_t src_addr;
	uint32_t dst_addr;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag; /* flags and fragment offset, as on the wire */
	uint8_t header_len; /* bytes */
	uint8_t tos;
	uint8_t ttl;
	uint8_t protocol;
	const uint8_t *header;
	const uint8_t *payload;
	uint16_t payload_len;
};

/* Validate buf[0..len) as one IPv4 datagram. Returns SYNQ_DROP_NONE and fills
 * *ip, or the reason to drop it. Never reads outside the buffer. */
enum synq_drop_reason ipv4_parse(const uint8_t *buf, size_t len,
                                 struct ipv4_view *ip);
/* ipv4_parse() for a datagram whose header checksum is known right (built
 * by a synq stack; routers and NAT keep it right): the same checks but
 * that one sum. */
enum synq_drop_reason ipv4_parse_verified(const uint8_t *buf, size_t len,
                                          struct ipv4_view *ip);

/* The fields a sender chooses. */
struct ipv4_fields {
	uint32_t src_addr;
	uint32_t dst_addr;
	uint16_t id;
	uint8_t tos;
	uint8_t ttl;
	uint8_t protocol;
	bool dont_fragment;
};

/* Write a 20-byte header for a datagram carrying payload_len bytes, with its
 * checksum. buf must hold IPV4_HEADER_MIN bytes. Returns the header length. */
size_t ipv4_emit(uint8_t *buf, const struct ipv4_fields *f, uint16_t payload_len);

/* Forwarding: decrement the TTL in place and patch the checksum
 * incrementally. Returns false (and leaves the packet alone) when the TTL
 * would reach zero. */
bool ipv4_forward_ttl(uint8_t *header);

/* Rewrite the source or destination address in place, patching the header
 * checksum incrementally (for NAT). Transport checksums are the caller's. */
void ipv4_set_src(uint8_t *header, uint32_t addr);
void ipv4_set_dst(uint8_t *header, uint32_t addr);

/* "a.b.c.d" <-> host-order address. Parse returns false on bad text. */
bool ipv4_addr_parse(const char *text, uint32_t *addr);
/* buf needs 16 bytes; returns buf. */
char *ipv4_addr_format(uint32_t addr, char *buf);

#endif

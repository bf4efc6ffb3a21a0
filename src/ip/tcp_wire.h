/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_IP_TCP_WIRE_H
#define SYNQ_IP_TCP_WIRE_H

/* TCP header and options on the wire: parse into a view, and build.
 *
 * The option parser walks the option space the way Linux's
 * tcp_parse_options() does: EOL ends the walk, NOP is skipped, any other
 * kind needs a length byte; a length below 2 ("silly") or one running past
 * the header ("partial") ends the walk, keeping what was parsed before it.
 * A known option whose length is wrong for its kind is skipped; unknown
 * kinds are skipped. Such segments are not dropped (Linux does not drop
 * them); the anomaly is reported in tcp_options.anomaly for counting.
 *
 * Which options a segment may use (MSS only on a SYN, ...) is the state
 * machine's business, not this file's: the view records everything that
 * is well formed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/ipv4.h"
#include "synq/drop.h"

#define TCP_HEADER_MIN 20
#define TCP_OPTION_SPACE 40

enum tcp_flag {
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_URG = 0x20,
	TCP_ECE = 0x40,
	TCP_CWR = 0x80,
};

enum tcp_option_kind {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WINDOW = 3,
	TCPOPT_SACK_PERM = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TIMESTAMP = 8,
};

#define TCPOLEN_MSS 4
#define TCPOLEN_WINDOW 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10
#define TCPOLEN_SACK_BASE 2
#define TCPOLEN_SACK_PERBLOCK 8
#define TCP_SACK_BLOCKS_MAX 4

enum tcp_option_anomaly {
	TCP_OPTIONS_OK = 0,
	TCP_OPTIONS_SILLY_LENGTH,   /* length byte 0 or 1: walk stopped */
	TCP_OPTIONS_PARTIAL,        /* runs past the header: walk stopped */
	TCP_OPTIONS_BAD_LENGTH,     /* known kind, wrong length: skipped */
};

struct tcp_sack_block {
	uint32_t start;
	uint32_t end;
};

struct tcp_options {
	bool has_mss;
	bool has_wscale;
	bool sack_permitted;
	bool has_timestamp;
	uint8_t anomaly;          /* enum tcp_option_anomaly, first one seen */
	uint8_t wscale;           /* as sent; the receiver clamps it to 14 */
	uint8_t sack_count;       /* blocks in the last SACK option */
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

struct tcp_segment {
	uint32_t src_addr;   /* from the IP header, host order */
	uint32_t dst_addr;
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint16_t window;     /* the raw 16-bit field, unscaled */
	uint16_t urg_ptr;
	uint8_t flags;       /* enum tcp_flag bits */
	uint8_t header_len;  /* bytes, options included */
	uint16_t payload_len;
	const uint8_t *payload;
	struct tcp_options opt;
};

/* Parse the TCP segment carried by ip. Checks the header length and, when
 * verify_checksum is set, the checksum over the pseudo-header (Linux counts
 * failures as InCsumErrors). Returns SYNQ_DROP_NONE or the drop reason. */
enum synq_drop_reason tcp_parse(const struct ipv4_view *ip,
                                struct tcp_segment *seg, bool verify_checksum);

/* Walk len bytes of option space into *opt (zeroed first). */
void tcp_options_parse(const uint8_t *p, size_t len, struct tcp_options *opt);

/* Bytes tcp_options_emit() writes for opt (a multiple of 4, at most 40). */
size_t tcp_options_size(const struct tcp_options *opt);

/* Write the options in Linux's layout (tcp_options_write()): MSS; then
 * SACK-permitted folded into the timestamp word, or NOP NOP TS; NOP NOP
 * SACK-permitted when there is no timestamp; NOP WS; NOP NOP SACK blocks,
 * as many as fit. Returns the bytes written. */
size_t tcp_options_emit(uint8_t *buf, const struct tcp_options *opt);

/* Build one IPv4+TCP datagram into buf (capacity cap): the IP header from
 * ipf, the TCP header from seg (ports, seq, ack, flags, window, urg_ptr,
 * opt), then the payload, with both checksums. seg->src_addr/dst_addr are
 * ignored in favour of ipf's. If seg->payload is NULL the payload_len bytes
 * are taken to be in place already, at tcp_payload_offset(&seg->opt).
 * Returns the datagram length, or 0 if it does not fit. */
size_t tcp_segment_emit(uint8_t *buf, size_t cap, const struct ipv4_fields *ipf,
                        const struct tcp_segment *seg);

/* tcp_segment_emit() but for the TCP checksum, left 0: for a device that
 * fills it in (Linux's CHECKSUM_PARTIAL to a NETIF_F_HW_CSUM device), and
 * the sum costs nothing unless something reads it. */
size_t tcp_segment_emit_unsummed(uint8_t *buf, size_t cap, const struct ipv4_fields *ipf,
                                 const struct tcp_segment *seg);

/* The device's part: compute and store the TCP checksum of an IPv4
 * datagram of len bytes (up to its total length) carrying TCP. Anything
 * else, or too short to hold a TCP header, is left alone. */
void tcp_checksum_fill(uint8_t *datagram, size_t len);

/* Where the payload of a datagram with these options starts. */
static inline size_t tcp_payload_offset(const struct tcp_options *opt)
{
	return IPV4_HEADER_MIN + TCP_HEADER_MIN + tcp_options_size(opt);
}

/* tcpdump-style flags ("S.", "P.", "F.", "R") into buf (at least 9 bytes). */
char *tcp_flags_format(uint8_t flags, char *buf);

#endif

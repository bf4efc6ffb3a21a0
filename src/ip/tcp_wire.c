/* SPDX-License-Identifier: BSD-2-Clause */
#include "ip/tcp_wire.h"

#include <string.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"
#include "ip/tcp_parse.h"
#include "ip/tcp_plain.h"

static void note_anomaly(struct tcp_options *opt, enum tcp_option_anomaly a)
{
	if (opt->anomaly == TCP_OPTIONS_OK)
		opt->anomaly = (uint8_t)a;
}

void tcp_options_parse(const uint8_t *p, size_t len, struct tcp_options *opt)
{
	memset(opt, 0, sizeof *opt);
	if (tcp_options_parse_common(p, len, opt))
		return;
	while (len > 0) {
		uint8_t kind = p[0];
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2) {
			note_anomaly(opt, TCP_OPTIONS_PARTIAL);
			return;
		}
		uint8_t size = p[1];
		if (size < 2) {
			note_anomaly(opt, TCP_OPTIONS_SILLY_LENGTH);
			return;
		}
		if (size > len) {
			note_anomaly(opt, TCP_OPTIONS_PARTIAL);
			return;
		}
		const uint8_t *body = p + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (size != TCPOLEN_MSS)
				goto bad_length;
			opt->has_mss = true;
			opt->mss = load_be16(body);
			break;
		case TCPOPT_WINDOW:
			if (size != TCPOLEN_WINDOW)
				goto bad_length;
			opt->has_wscale = true;
			opt->wscale = body[0];
			break;
		case TCPOPT_SACK_PERM:
			if (size != TCPOLEN_SACK_PERM)
				goto bad_length;
			opt->sack_permitted = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (size != TCPOLEN_TIMESTAMP)
				goto bad_length;
			opt->has_timestamp = true;
			opt->tsval = load_be32(body);
			opt->tsecr = load_be32(body + 4);
			break;
		case TCPOPT_SACK: {
			unsigned blocks = (size - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_PERBLOCK;
			if (size < TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK ||
			    (size - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)
				goto bad_length;
			if (blocks > TCP_SACK_BLOCKS_MAX)
				blocks = TCP_SACK_BLOCKS_MAX; /* cannot happen in 40 bytes */
			for (unsigned i = 0; i < blocks; i++) {
				opt->sack[i].start = load_be32(body + 8 * i);
				opt->sack[i].end = load_be32(body + 8 * i + 4);
			}
			opt->sack_count = (uint8_t)blocks;
			break;
		}
		default:
			break; /* unknown kinds are skipped */
		}
		goto next;
bad_length:
		note_anomaly(opt, TCP_OPTIONS_BAD_LENGTH);
next:
		p += size;
		len -= size;
	}
}

enum synq_drop_reason tcp_parse(const struct ipv4_view *ip,
                                struct tcp_segment *seg, bool verify_checksum)
{
	return tcp_parse_inline(ip, seg, verify_checksum);
}

/* Base size (without SACK blocks) and how many SACK blocks fit after it. */
static size_t options_base_size(const struct tcp_options *opt)
{
	size_t size = 0;
	if (opt->has_mss)
		size += 4;
	if (opt->has_timestamp)
		size += 12;
	else if (opt->sack_permitted)
		size += 4;
	if (opt->has_wscale)
		size += 4;
	return size;
}

static unsigned sack_blocks_that_fit(const struct tcp_options *opt, size_t base)
{
	if (opt->sack_count == 0 || base + 4 + TCPOLEN_SACK_PERBLOCK > TCP_OPTION_SPACE)
		return 0;
	unsigned room = (unsigned)((TCP_OPTION_SPACE - base - 4) / TCPOLEN_SACK_PERBLOCK);
	return opt->sack_count < room ? opt->sack_count : room;
}

size_t tcp_options_size(const struct tcp_options *opt)
{
	size_t base = options_base_size(opt);
	unsigned blocks = sack_blocks_that_fit(opt, base);
	return base + (blocks ? 4 + blocks * TCPOLEN_SACK_PERBLOCK : 0);
}

/* Four bytes in order, as one store. */
static uint8_t *put4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	store_be32(p, (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
	return p + 4;
}

size_t tcp_options_emit(uint8_t *buf, const struct tcp_options *opt)
{
	uint8_t *p = buf;
	if (opt->has_mss)
		p = put4(p, TCPOPT_MSS, TCPOLEN_MSS, (uint8_t)(opt->mss >> 8), (uint8_t)opt->mss);
	if (opt->has_timestamp) {
		if (opt->sack_permitted)
			p = put4(p, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM, TCPOPT_TIMESTAMP,
			         TCPOLEN_TIMESTAMP);
		else
			p = put4(p, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP);
		store_be32(p, opt->tsval);
		store_be32(p + 4, opt->tsecr);
		p += 8;
	} else if (opt->sack_permitted) {
		p = put4(p, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM);
	}
	if (opt->has_wscale)
		p = put4(p, TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, opt->wscale);
	unsigned blocks = sack_blocks_that_fit(opt, (size_t)(p - buf));
	if (blocks) {
		p = put4(p, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK,
		         (uint8_t)(TCPOLEN_SACK_BASE + blocks * TCPOLEN_SACK_PERBLOCK));
		for (unsigned i = 0; i < blocks; i++) {
			store_be32(p, opt->sack[i].start);
			store_be32(p + 4, opt->sack[i].end);
			p += 8;
		}
	}
	return (size_t)(p - buf);
}

/* The TCP segment and IP header of tcp_segment_emit(); the TCP checksum
 * only when sum is set, left 0 otherwise for tcp_checksum_fill(). */
static inline size_t segment_emit(uint8_t *buf, size_t cap, const struct ipv4_fields *ipf,
                                  const struct tcp_segment *seg, bool sum)
{
	size_t header_len = TCP_HEADER_MIN + tcp_options_size(&seg->opt);
	size_t tcp_len = header_len + seg->payload_len;
	if (IPV4_HEADER_MIN + tcp_len > cap || IPV4_HEADER_MIN + tcp_len > 0xffff)
		return 0;
	uint8_t *th = buf + IPV4_HEADER_MIN;
	tcp_header_store(th, seg->src_port, seg->dst_port, seg->seq, seg->ack, header_len,
	                 seg->flags, seg->window, seg->urg_ptr, seg->payload, seg->payload_len);
	tcp_options_emit(th + TCP_HEADER_MIN, &seg->opt);
	if (sum)
		tcp_sum_store(th, ipf, tcp_len);
	tcp_plain_ip_header(buf, ipf, (uint16_t)(IPV4_HEADER_MIN + tcp_len));
	return IPV4_HEADER_MIN + tcp_len;
}

size_t tcp_segment_emit(uint8_t *buf, size_t cap, const struct ipv4_fields *ipf,
                        const struct tcp_segment *seg)
{
	return segment_emit(buf, cap, ipf, seg, true);
}

size_t tcp_segment_emit_unsummed(uint8_t *buf, size_t cap, const struct ipv4_fields *ipf,
                                 const struct tcp_segment *seg)
{
	return segment_emit(buf, cap, ipf, seg, false);
}

void tcp_checksum_fill(uint8_t *datagram, size_t len)
{
	if (len < IPV4_HEADER_MIN || datagram[9] != IPV4_PROTO_TCP)
		return;
	size_t ip_len = (datagram[0] & 0x0fu) * 4u;
	size_t total_len = load_be16(datagram + 2);
	if (total_len > len)
		total_len = len;
	if (ip_len < IPV4_HEADER_MIN || ip_len + TCP_HEADER_MIN > total_len)
		return;
	uint8_t *th = datagram + ip_len;
	size_t tcp_len = total_len - ip_len;
	th[16] = th[17] = 0;
	uint64_t pseudo = inet_sum_pseudo(load_be32(datagram + 12), load_be32(datagram + 16),
	                                  IPV4_PROTO_TCP, (uint16_t)tcp_len);
	store_be16(th + 16, inet_sum_finish(inet_sum_add(pseudo, th, tcp_len)));
}

char *tcp_flags_format(uint8_t flags, char *buf)
{
	static const struct { uint8_t bit; char c; } order[] = {
		{ TCP_SYN, 'S' }, { TCP_FIN, 'F' }, { TCP_RST, 'R' }, { TCP_PSH, 'P' },
		{ TCP_URG, 'U' }, { TCP_ECE, 'E' }, { TCP_CWR, 'W' }, { TCP_ACK, '.' },
	};
	char *p = buf;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (flags & order[i].bit)
			*p++ = order[i].c;
	*p = '\0';
	return buf;
}

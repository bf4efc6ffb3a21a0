/* SPDX-License-Identifier: BSD-2-Clause */
#include "ip/ipv4.h"

#include <stdio.h>

#include "ip/byteorder.h"
#include "ip/checksum.h"

static inline enum synq_drop_reason parse(const uint8_t *buf, size_t len,
                                          struct ipv4_view *ip, bool verify_checksum)
{
	if (len < IPV4_HEADER_MIN)
		return SYNQ_DROP_IP_SHORT;
	if (buf[0] >> 4 != 4)
		return SYNQ_DROP_IP_VERSION;
	unsigned header_len = (buf[0] & 0x0fu) * 4u;
	if (header_len < IPV4_HEADER_MIN || header_len > len)
		return SYNQ_DROP_IP_HEADER_LEN;
	if (verify_checksum && inet_checksum(buf, header_len) != 0)
		return SYNQ_DROP_IP_CHECKSUM;
	uint16_t total_len = load_be16(buf + 2);
	if (total_len > len)
		return SYNQ_DROP_IP_TRUNCATED;
	if (total_len < header_len)
		return SYNQ_DROP_IP_TOTAL_LEN;
	uint16_t frag = load_be16(buf + 6);
	if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK))
		return SYNQ_DROP_IP_FRAGMENT;

	ip->header = buf;
	ip->header_len = (uint8_t)header_len;
	ip->tos = buf[1];
	ip->total_len = total_len;
	ip->id = load_be16(buf + 4);
	ip->frag = frag;
	ip->ttl = buf[8];
	ip->protocol = buf[9];
	ip->src_addr = load_be32(buf + 12);
	ip->dst_addr = load_be32(buf + 16);
	ip->payload = buf + header_len;
	ip->payload_len = (uint16_t)(total_len - header_len);
	return SYNQ_DROP_NONE;
}

enum synq_drop_reason ipv4_parse(const uint8_t *buf, size_t len,
                                 struct ipv4_view *ip)
{
	return parse(buf, len, ip, true);
}

enum synq_drop_reason ipv4_parse_verified(const uint8_t *buf, size_t len,
                                          struct ipv4_view *ip)
{
	return parse(buf, len, ip, false);
}

size_t ipv4_emit(uint8_t *buf, const struct ipv4_fields *f, uint16_t payload_len)
{
	buf[0] = 0x45;
	buf[1] = f->tos;
	store_be16(buf + 2, (uint16_t)(IPV4_HEADER_MIN + payload_len));
	store_be16(buf + 4, f->id);
	store_be16(buf + 6, f->dont_fragment ? IPV4_FLAG_DF : 0);
	buf[8] = f->ttl;
	buf[9] = f->protocol;
	buf[10] = buf[11] = 0;
	store_be32(buf + 12, f->src_addr);
	store_be32(buf + 16, f->dst_addr);
	store_be16(buf + 10, inet_checksum(buf, IPV4_HEADER_MIN));
	return IPV4_HEADER_MIN;
}

bool ipv4_forward_ttl(uint8_t *header)
{
	if (header[8] <= 1)
		return false;
	/* TTL shares its 16-bit word with the protocol field. */
	uint16_t old_word = load_be16(header + 8);
	header[8]--;
	uint16_t new_word = load_be16(header + 8);
	store_be16(header + 10,
	           inet_checksum_adjust16(load_be16(header + 10), old_word, new_word));
	return true;
}

static void set_addr(uint8_t *header, unsigned offset, uint32_t addr)
{
	uint32_t old = load_be32(header + offset);
	store_be32(header + offset, addr);
	store_be16(header + 10, inet_checksum_adjust32(load_be16(header + 10), old, addr));
}

void ipv4_set_src(uint8_t *header, uint32_t addr)
{
	set_addr(header, 12, addr);
}

void ipv4_set_dst(uint8_t *header, uint32_t addr)
{
	set_addr(header, 16, addr);
}

bool ipv4_addr_parse(const char *text, uint32_t *addr)
{
	uint32_t value = 0;
	for (int part = 0; part < 4; part++) {
		if (*text < '0' || *text > '9')
			return false;
		unsigned octet = 0;
		int digits = 0;
		while (*text >= '0' && *text <= '9') {
			octet = octet * 10 + (unsigned)(*text++ - '0');
			if (++digits > 3 || octet > 255)
				return false;
		}
		value = value << 8 | octet;
		if (part < 3 && *text++ != '.')
			return false;
	}
	if (*text != '\0')
		return false;
	*addr = value;
	return true;
}

char *ipv4_addr_format(uint32_t addr, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	         (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

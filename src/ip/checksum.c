/* SPDX-License-Identifier: BSD-2-Clause */
#include "ip/checksum.h"

#include <string.h>

#include "ip/byteorder.h"

/* AddressSanitizer does not see the loads of the assembly loop below, so
 * under it the whole buffer is checked once, up front: ASan reports the
 * first unaddressable byte as a read there. */
#if defined(__SANITIZE_ADDRESS__)
#define SYNQ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNQ_ASAN 1
#endif
#endif
#if defined(SYNQ_ASAN)
#include <sanitizer/asan_interface.h>
#endif

uint64_t inet_sum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
#if defined(SYNQ_ASAN)
	const void *unaddressable = __asan_region_is_poisoned((void *)(uintptr_t)data, len);
	if (unaddressable != NULL)
		(void)*(const volatile uint8_t *)unaddressable;
#endif
	/* 64-bit words with their carries counted aside: a ones' complement
	 * sum in any word size folds to the same 16-bit sum (RFC 1071). A
	 * carry out of one word may go into the next word's add instead (it
	 * is worth 1 in either place), which x86-64 does in one
	 * add-with-carry per word. */
	uint64_t carries = 0;
#if defined(__x86_64__) && defined(__GNUC__)
	while (len >= 32) {
		__asm__("addq 0(%[p]), %[s]\n\t"
		        "adcq 8(%[p]), %[s]\n\t"
		        "adcq 16(%[p]), %[s]\n\t"
		        "adcq 24(%[p]), %[s]\n\t"
		        "adcq $0, %[c]"
		        : [s] "+r"(sum), [c] "+r"(carries)
		        : [p] "r"(p), "m"(*(const uint8_t(*)[32])p)
		        : "cc");
		p += 32;
		len -= 32;
	}
#endif
	while (len >= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		sum += a;
		carries += sum < a;
		sum += b;
		carries += sum < b;
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		sum += a;
		carries += sum < a;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	if (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		tail = w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		tail += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* An odd last byte is the first byte of a zero-padded word. */
		uint8_t pad[2] = { p[0], 0 };
		uint16_t h;
		memcpy(&h, pad, 2);
		tail += h;
	}
	sum += tail;
	carries += sum < tail;
	/* End-around carry: at most one more carry out. */
	sum += carries;
	return sum + (sum < carries);
}

uint64_t inet_sum_pseudo(uint32_t src_addr, uint32_t dst_addr, uint8_t protocol,
                         uint16_t length)
{
	/* The same sum as over the 12 pseudo-header bytes, computed on host
	 * values: sum the 16-bit words in host order, fold, and give the
	 * result in memory order (swapping a one's-complement sum swaps the
	 * sum of the swapped words). */
	uint64_t host = (uint64_t)(src_addr >> 16) + (src_addr & 0xffff) +
	                (dst_addr >> 16) + (dst_addr & 0xffff) + protocol + length;
	host = (host & 0xffff) + (host >> 16);
	host = (host & 0xffff) + (host >> 16);
	uint8_t be[2];
	store_be16(be, (uint16_t)host);
	uint16_t memory_order;
	memcpy(&memory_order, be, 2);
	return memory_order;
}

uint16_t inet_sum_finish(uint64_t sum)
{
	/* Fold the halves with end-around carry: 64 to 32, then 32 to 16. */
	uint32_t hi32 = (uint32_t)(sum >> 32);
	uint32_t s32 = (uint32_t)sum + hi32;
	s32 += s32 < hi32;
	uint16_t hi16 = (uint16_t)(s32 >> 16);
	uint16_t memory_order = (uint16_t)((uint16_t)s32 + hi16);
	memory_order = (uint16_t)(memory_order + (memory_order < hi16));
	uint8_t b[2];
	memcpy(b, &memory_order, 2);
	return (uint16_t)~load_be16(b);
}

uint16_t inet_checksum(const void *data, size_t len)
{
	if (len == 20) {
		/* An IPv4 header without options, the length summed most:
		 * five 32-bit words cannot carry out of 64 bits. */
		const uint8_t *p = data;
		uint32_t w[5];
		memcpy(w, p, 20);
		return inet_sum_finish((uint64_t)w[0] + w[1] + w[2] + w[3] + w[4]);
	}
	return inet_sum_finish(inet_sum_add(0, data, len));
}

uint16_t inet_checksum_adjust16(uint16_t checksum, uint16_t old_value,
                                uint16_t new_value)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint16_t)~checksum;
	sum += (uint16_t)~old_value;
	sum += new_value;
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t inet_checksum_adjust32(uint16_t checksum, uint32_t old_value,
                                uint32_t new_value)
{
	checksum = inet_checksum_adjust16(checksum, (uint16_t)(old_value >> 16),
	                                  (uint16_t)(new_value >> 16));
	return inet_checksum_adjust16(checksum, (uint16_t)old_value,
	                              (uint16_t)new_value);
}

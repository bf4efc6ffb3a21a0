/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_IP_CHECKSUM_H
#define SYNQ_IP_CHECKSUM_H

/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are accumulated in memory byte order, which the one's-complement sum
 * allows (RFC 1071 section 2(B)); only the final fold converts to host order.
 * A sum may be built from several chunks; every chunk but the last must have
 * an even length. */

#include <stddef.h>
#include <stdint.h>

/* Add len bytes at data to a running sum (not folded). */
uint64_t inet_sum_add(uint64_t sum, const void *data, size_t len);

/* Sum of the IPv4 pseudo-header (addresses in host order). */
uint64_t inet_sum_pseudo(uint32_t src_addr, uint32_t dst_addr, uint8_t protocol,
                         uint16_t length);

/* Fold a running sum and complement it: the checksum field value, host order.
 * Over data that carries a correct checksum the result is 0. */
uint16_t inet_sum_finish(uint64_t sum);

/* Checksum of one buffer: inet_sum_finish(inet_sum_add(0, data, len)). */
uint16_t inet_checksum(const void *data, size_t len);

/* RFC 1624 eqn. 3: the new checksum field after a 16-bit (or 32-bit) field
 * covered by it changes from old_value to new_value. All in host order. */
uint16_t inet_checksum_adjust16(uint16_t checksum, uint16_t old_value,
                                uint16_t new_value);
uint16_t inet_checksum_adjust32(uint16_t checksum, uint32_t old_value,
                                uint32_t new_value);

#endif

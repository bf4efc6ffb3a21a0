/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_PCAP_H
#define SYNQ_PCAP_H

/* A pcap file writer for raw IPv4 datagrams.
 *
 * Format: classic libpcap (not pcapng), version 2.4, the nanosecond-
 * resolution magic 0xa1b23c4d, link type LINKTYPE_RAW (101: the packet
 * starts at its IP header; readers tell v4 from v6 by the version nibble).
 * tshark also reads LINKTYPE_IPV4 (228), but 101 is the one every pcap
 * reader knows (tshark shows it as "Raw IP").
 * Every field is written little-endian whatever the host, so a file's bytes
 * depend only on what was written to it: with the simulator's virtual time
 * as timestamps, the same seed gives a byte-identical file.
 *
 * Errors are sticky: the first failure is remembered, later writes do
 * nothing, and synq_pcap_close() reports it. */

#include <stddef.h>
#include <stdint.h>

#include "synq/time.h"

#define SYNQ_PCAP_MAGIC_NSEC 0xa1b23c4du
#define SYNQ_PCAP_LINKTYPE_RAW 101u
#define SYNQ_PCAP_SNAPLEN 65535u
#define SYNQ_PCAP_HEADER_BYTES 24u
#define SYNQ_PCAP_RECORD_HEADER_BYTES 16u

struct synq_pcap;

/* Create (truncate) path and write the file header. 0 or -errno. */
int synq_pcap_open(const char *path, struct synq_pcap **out);

/* Append one record stamped ts (>= 0, below 2^32 s). Bytes beyond
 * SYNQ_PCAP_SNAPLEN are cut (the record keeps the original length). 0;
 * -EINVAL (negative ts, NULL pkt with len), -ERANGE (ts too large), or
 * the sticky -errno of an earlier failure. */
int synq_pcap_write(struct synq_pcap *pcap, synq_time_t ts, const uint8_t *pkt,
                    size_t len);

/* Records written so far. */
uint64_t synq_pcap_records(const struct synq_pcap *pcap);

/* Flush, close and free (NULL is a no-op). 0 or the first -errno seen. */
int synq_pcap_close(struct synq_pcap *pcap);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#include "synq/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct synq_pcap {
	FILE *file;
	uint64_t records;
	int error; /* first -errno, sticky */
};

static void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int pcap_put(struct synq_pcap *pcap, const void *data, size_t len)
{
	if (pcap->error)
		return pcap->error;
	errno = 0;
	if (len && fwrite(data, 1, len, pcap->file) != len)
		pcap->error = errno ? -errno : -EIO;
	return pcap->error;
}

int synq_pcap_open(const char *path, struct synq_pcap **out)
{
	if (!path || !out)
		return -EINVAL;
	struct synq_pcap *pcap = calloc(1, sizeof *pcap);
	if (!pcap)
		return -ENOMEM;
	pcap->file = fopen(path, "wb");
	if (!pcap->file) {
		int err = errno ? -errno : -EIO;
		free(pcap);
		return err;
	}
	uint8_t header[SYNQ_PCAP_HEADER_BYTES];
	store_le32(header, SYNQ_PCAP_MAGIC_NSEC);
	store_le16(header + 4, 2); /* version 2.4 */
	store_le16(header + 6, 4);
	store_le32(header + 8, 0);  /* thiszone: timestamps are UTC-less */
	store_le32(header + 12, 0); /* sigfigs */
	store_le32(header + 16, SYNQ_PCAP_SNAPLEN);
	store_le32(header + 20, SYNQ_PCAP_LINKTYPE_RAW);
	int err = pcap_put(pcap, header, sizeof header);
	if (err) {
		fclose(pcap->file);
		free(pcap);
		return err;
	}
	*out = pcap;
	return 0;
}

int synq_pcap_write(struct synq_pcap *pcap, synq_time_t ts, const uint8_t *pkt,
                    size_t len)
{
	if (pcap->error)
		return pcap->error;
	if (ts < 0 || (!pkt && len))
		return -EINVAL;
	synq_time_t sec = ts / SYNQ_SEC(1);
	if (sec > UINT32_MAX || len > UINT32_MAX)
		return -ERANGE;
	size_t caplen = len < SYNQ_PCAP_SNAPLEN ? len : SYNQ_PCAP_SNAPLEN;
	uint8_t rec[SYNQ_PCAP_RECORD_HEADER_BYTES];
	store_le32(rec, (uint32_t)sec);
	store_le32(rec + 4, (uint32_t)(ts % SYNQ_SEC(1)));
	store_le32(rec + 8, (uint32_t)caplen);
	store_le32(rec + 12, (uint32_t)len);
	int err = pcap_put(pcap, rec, sizeof rec);
	if (!err)
		err = pcap_put(pcap, pkt, caplen);
	if (!err)
		pcap->records++;
	return err;
}

uint64_t synq_pcap_records(const struct synq_pcap *pcap)
{
	return pcap->records;
}

int synq_pcap_close(struct synq_pcap *pcap)
{
	if (!pcap)
		return 0;
	int err = pcap->error;
	errno = 0;
	if (fclose(pcap->file) != 0 && !err)
		err = errno ? -errno : -EIO;
	free(pcap);
	return err;
}

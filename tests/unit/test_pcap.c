/* SPDX-License-Identifier: BSD-2-Clause */
/* The pcap writer's bytes: file header, record headers, snap length,
 * argument checks and sticky I/O errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synq/pcap.h"

struct tmp {
	char dir[64];
	char path[128];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/synq-test-pcap-XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof t->path, "%s/out.pcap", t->dir);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	unlink(t->path);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* The whole file, malloc'd; *len its size. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void pcap_file_header_is_standard(void **state)
{
	struct tmp *t = *state;
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open(t->path, &pcap), 0);
	assert_int_equal(synq_pcap_records(pcap), 0);
	assert_int_equal(synq_pcap_close(pcap), 0);
	size_t len;
	uint8_t *buf = slurp(t->path, &len);
	static const uint8_t expect[24] = {
		0x4d, 0x3c, 0xb2, 0xa1, /* nanosecond magic, little-endian */
		0x02, 0x00, 0x04, 0x00, /* version 2.4 */
		0, 0, 0, 0, 0, 0, 0, 0, /* thiszone, sigfigs */
		0xff, 0xff, 0x00, 0x00, /* snaplen 65535 */
		101, 0, 0, 0,           /* LINKTYPE_RAW */
	};
	assert_int_equal(len, sizeof expect);
	assert_memory_equal(buf, expect, sizeof expect);
	free(buf);
}

static void pcap_record_has_nanosecond_timestamp(void **state)
{
	struct tmp *t = *state;
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open(t->path, &pcap), 0);
	const uint8_t a[3] = { 1, 2, 3 };
	const uint8_t b[5] = { 9, 8, 7, 6, 5 };
	assert_int_equal(synq_pcap_write(pcap, SYNQ_SEC(1) + SYNQ_MSEC(500) + 7, a, sizeof a), 0);
	assert_int_equal(synq_pcap_write(pcap, SYNQ_SEC(4000000000), b, sizeof b), 0);
	assert_int_equal(synq_pcap_write(pcap, 0, NULL, 0), 0); /* empty record */
	assert_int_equal(synq_pcap_records(pcap), 3);
	assert_int_equal(synq_pcap_close(pcap), 0);
	size_t len;
	uint8_t *buf = slurp(t->path, &len);
	assert_int_equal(len, 24 + 16 + 3 + 16 + 5 + 16);
	const uint8_t *r = buf + 24;
	assert_int_equal(le32(r), 1);
	assert_int_equal(le32(r + 4), 500000007);
	assert_int_equal(le32(r + 8), 3);
	assert_int_equal(le32(r + 12), 3);
	assert_memory_equal(r + 16, a, 3);
	r += 16 + 3;
	assert_int_equal(le32(r), 4000000000u);
	assert_int_equal(le32(r + 4), 0);
	assert_memory_equal(r + 16, b, 5);
	r += 16 + 5;
	assert_int_equal(le32(r + 8), 0);
	free(buf);
}

static void pcap_cuts_at_snaplen_keeping_length(void **state)
{
	struct tmp *t = *state;
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open(t->path, &pcap), 0);
	size_t big = 70000;
	uint8_t *pkt = malloc(big);
	assert_non_null(pkt);
	memset(pkt, 0x11, big);
	assert_int_equal(synq_pcap_write(pcap, 5, pkt, big), 0);
	assert_int_equal(synq_pcap_close(pcap), 0);
	size_t len;
	uint8_t *buf = slurp(t->path, &len);
	assert_int_equal(len, 24 + 16 + SYNQ_PCAP_SNAPLEN);
	assert_int_equal(le32(buf + 24 + 8), SYNQ_PCAP_SNAPLEN);
	assert_int_equal(le32(buf + 24 + 12), big);
	free(buf);
	free(pkt);
}

static void pcap_rejects_bad_arguments(void **state)
{
	struct tmp *t = *state;
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open(t->path, &pcap), 0);
	const uint8_t a[1] = { 0 };
	assert_int_equal(synq_pcap_write(pcap, -1, a, 1), -EINVAL);
	assert_int_equal(synq_pcap_write(pcap, 0, NULL, 4), -EINVAL);
	assert_int_equal(synq_pcap_write(pcap, SYNQ_SEC(4294967296), a, 1), -ERANGE);
	assert_int_equal(synq_pcap_records(pcap), 0);
	/* Refused records leave no trace and no sticky error. */
	assert_int_equal(synq_pcap_write(pcap, 0, a, 1), 0);
	assert_int_equal(synq_pcap_close(pcap), 0);
	size_t len;
	uint8_t *buf = slurp(t->path, &len);
	assert_int_equal(len, 24 + 16 + 1);
	free(buf);
	assert_int_equal(synq_pcap_close(NULL), 0);
	char missing[160];
	snprintf(missing, sizeof missing, "%s/no/such/dir.pcap", t->dir);
	assert_int_equal(synq_pcap_open(missing, &pcap), -ENOENT);
}

static void pcap_reports_write_errors(void **state)
{
	(void)state;
	if (access("/dev/full", W_OK) != 0) {
		skip(); /* no /dev/full here */
		return;
	}
	struct synq_pcap *pcap;
	assert_int_equal(synq_pcap_open("/dev/full", &pcap), 0);
	uint8_t pkt[1500] = { 0x45 };
	int err = 0;
	for (int i = 0; i < 1000 && !err; i++)
		err = synq_pcap_write(pcap, i, pkt, sizeof pkt);
	/* Either a write saw the full device, or the final flush does. */
	int close_err = synq_pcap_close(pcap);
	assert_true(err == -ENOSPC || close_err == -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pcap_file_header_is_standard, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(pcap_record_has_nanosecond_timestamp, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(pcap_cuts_at_snaplen_keeping_length, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(pcap_rejects_bad_arguments, tmp_setup, tmp_teardown),
		cmocka_unit_test(pcap_reports_write_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

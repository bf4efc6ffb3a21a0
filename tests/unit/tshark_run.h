/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TESTS_TSHARK_RUN_H
#define SYNQ_TESTS_TSHARK_RUN_H

/* Test support: tshark as an outside reader of synq's captures. */

#include <stdbool.h>
#include <stddef.h>

bool tshark_available(void);

/* Run "tshark -r PCAP ARGS". Standard output goes to out (cap bytes, NUL
 * terminated; what does not fit is read and dropped). Standard error
 * (tshark warns when run as root) goes to err_path and is shown only if
 * tshark fails, which fails the test. Returns the number of output lines. */
int tshark_run(const char *pcap, const char *args, char *out, size_t cap,
               const char *err_path);

#endif

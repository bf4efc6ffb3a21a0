/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_DRIVERS_SERVE_H
#define SYNQ_DRIVERS_SERVE_H

/* synq serve: one synq stack and synq httpd on a TUN device, on the wall
 * clock. The loop owns CLOCK_MONOTONIC, sleeps in epoll until a packet,
 * a signal or the next deadline (the stack's, the server's or an impaired
 * link's), and hands every packet and every deadline to the stack at that
 * instant. Secrets come from getrandom(). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "app/httpd.h"
#include "drivers/impair.h"
#include "synq/config.h"

struct serve_config {
	const char *netns;              /* joined or created */
	const char *ifname;             /* TUN device name */
	uint32_t addr;                  /* synq's address, host order */
	uint32_t kernel_addr;           /* the kernel side of the TUN */
	int prefix;
	struct synq_config stack;
	struct synq_httpd_config httpd;
	bool impaired;
	struct impair_config link;      /* both directions, each its own */
	const char *pcap_path;          /* every packet synq sends and receives */
	FILE *access_log;               /* or NULL */
	double duration_s;              /* 0: until SIGINT/SIGTERM */
};

/* Runs until a signal (or the duration). Returns a CLI exit status;
 * failures are one line on err. */
int serve_run(const struct serve_config *c, FILE *out, FILE *err);

#endif

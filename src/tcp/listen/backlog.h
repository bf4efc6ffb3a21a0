/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_TCP_BACKLOG_H
#define SYNQ_TCP_BACKLOG_H

/* What the backlog argument of listen() means, per personality: how many
 * connections a listener lets complete before it ignores further SYNs, and
 * Linux's clamp of the argument to net.core.somaxconn. Pure functions; the
 * rules and their sources are in backlog.c. */

#include <stdint.h>

#include "synq/config.h"

/* The number of handshakes a listener with this (already clamped) backlog
 * completes, as its clients see them (connect() succeeds), when clients
 * arrive one after another and nobody calls accept(); the next SYN is
 * ignored. This is what UNP's Table 4.6 measured. For every personality
 * but Linux 2.4 it is also the number of connections queued for accept().
 * Always at least 1. Saturates at UINT32_MAX. */
uint32_t backlog_accept_limit(enum synq_personality personality, uint32_t backlog);

/* listen()'s clamp (Linux __sys_listen_socket()): a backlog above
 * somaxconn, compared as unsigned, becomes somaxconn, so a negative backlog
 * also becomes somaxconn; 0 stays 0. somaxconn must be >= 0 (the sysctl's
 * range). The result is what Linux stores in sk_max_ack_backlog and ss
 * shows as Send-Q. */
uint32_t backlog_clamp(int backlog, int somaxconn);

#endif

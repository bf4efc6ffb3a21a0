/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SYNQ_DRIVERS_TUN_H
#define SYNQ_DRIVERS_TUN_H

/* The pieces of the host synq serve needs, and nothing of the host's own
 * network: a network namespace (joined, or created and later removed as
 * `ip netns add` / `ip netns del` would) and a TUN device inside it whose
 * kernel side has an address of synq's prefix. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Join /run/netns/NAME, creating it when it does not exist (*created then
 * says so). 0, or -errno with err saying what failed. */
int tun_netns_enter(const char *name, bool *created, char *err, size_t cap);
/* Undo what tun_netns_enter() created (unmount and remove the name). */
void tun_netns_remove(const char *name);

/* Create TUN device ifname (IFF_TUN, no packet info) in the current
 * namespace, give the kernel side kernel_addr/prefix (host order) and mtu,
 * bring it and lo up. The device goes when the descriptor is closed.
 * Returns a non-blocking descriptor, or -errno with err set. */
int tun_open(const char *ifname, uint32_t kernel_addr, int prefix, int mtu, char *err,
             size_t cap);

/* "10.200.0.2/24": the address and prefix (host order). 0 or -EINVAL. */
int tun_parse_prefix(const char *text, uint32_t *addr, int *prefix);

#endif

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Baseline for synq's own packetdrill scripts (tests/packetdrill/*.pkt).
# Each script runs it as `./defaults.sh` from this directory, inside a
# private network namespace (scripts/conformance-kernel.sh), so these
# writes never reach the host. Under scripts/conformance.sh (the synq .so)
# every sysctl goes to a stand-in; the buffer sizes and TCP options below
# equal what the kernel selftests' defaults.sh sets, so a script sees the
# same SYN-ACK under both. Knobs a rule depends on
# (tcp_syncookies, tcp_synack_retries, tcp_abort_on_overflow, somaxconn)
# are set again inside the scripts that need them.

# No cached per-peer metrics: the tcp_max_syn_backlog rule and the RTT
# seeds look at them.
ip tcp_metrics flush all >/dev/null 2>&1

# Receive buffer maximum 15 MiB -> the SYN-ACK offers window scale 8.
sysctl -q net.ipv4.tcp_rmem="4096 540000 15728640"
sysctl -q net.ipv4.tcp_wmem="4096 262144 4194304"

# Options the SYN-ACK echoes: timestamps and SACK on, no ECN.
sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_ecn=0

# Kernel defaults, stated so that a changed default cannot move a script.
sysctl -q net.ipv4.tcp_syncookies=1
sysctl -q net.ipv4.tcp_synack_retries=5
sysctl -q net.ipv4.tcp_abort_on_overflow=0
sysctl -q net.core.somaxconn=4096

# A plain FIFO on the tun device: no pacing qdisc between stack and wire.
tc qdisc replace dev tun0 root pfifo >/dev/null 2>&1
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Run the synq demo and, if tshark is installed, show the start of its pcap.
#   demo.sh BINARY [DEMO OPTIONS...]
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 SYNQ_BINARY [demo options]" >&2
  exit 2
fi
synq=$1
shift
out=build/demo.pcap
mkdir -p "$(dirname "$out")"

"$synq" demo --out "$out" "$@"

if command -v tshark >/dev/null 2>&1; then
  echo
  echo "tshark -r $out (first 12 packets):"
  # tshark warns on stderr when run as root; the packets are on stdout.
  tshark -r "$out" -c 12 2>/dev/null
else
  echo "(tshark not installed: open $out with any pcap reader)"
fi

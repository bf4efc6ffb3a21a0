#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make demo: run the built-in scenario (scenarios/demo.ini) three ways and
# print the before/after table; the reports go to build/demo/.
#   demo.sh BINARY [DEMO OPTIONS...]
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 SYNQ_BINARY [demo options]" >&2
  exit 2
fi
synq=$1
shift
out=build/demo
mkdir -p "$out"
"$synq" demo --out "$out" "$@"
echo "open $out/index.html in a browser for the plots"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Run the packetdrill conformance scripts against synq's packetdrill driver.
#
#   conformance.sh PACKETDRILL SO TSV [SCRIPT...]
#
#   PACKETDRILL  the packetdrill binary (make conformance PACKETDRILL=...)
#   SO           the driver, build/release/libsynq_packetdrill.so
#   TSV          where to write one line per script: script, result, first error
#   SCRIPT       optional: only these (names as pd-run takes them)
#
# Without SCRIPT it runs every script that passes on the kernel baseline
# (../shared/conformance/kernel-baseline.tsv), then, if tests/packetdrill/
# exists, synq's own scripts there. Every run uses PD_PRELOAD=1, so that the
# scripts with %{ }% blocks can read TCP_INFO from the stack.
#
# Environment: CONFORMANCE_DIR (default ../shared/conformance, relative to
# the repository) holds pd-run and the scripts; PD_TIMEOUT, PD_ARGS,
# PD_VERBOSE, PD_KEEP_LOGS go through to pd-run.
set -uo pipefail

usage() {
	echo "usage: $0 PACKETDRILL SO TSV [SCRIPT...]" >&2
	exit 2
}
[ $# -ge 3 ] || usage
pd=$1 so=$2 tsv=$3
shift 3

repo=$(cd "$(dirname "$0")/.." && pwd)
conf=${CONFORMANCE_DIR:-$repo/../shared/conformance}

if [ -z "$pd" ] || [ ! -x "$pd" ]; then
	cat >&2 <<EOF
conformance: no packetdrill binary${pd:+ at '$pd'}.
Build one by hand, outside this repository (it is GPL and never committed):
  git clone https://github.com/google/packetdrill /tmp/packetdrill
  cd /tmp/packetdrill/gtests/net/packetdrill && ./configure && make
then run
  make conformance PACKETDRILL=/tmp/packetdrill/gtests/net/packetdrill/packetdrill
(as root, or with 'ulimit -l unlimited': packetdrill mlockall()s its memory).
EOF
	exit 2
fi
if [ ! -f "$so" ]; then
	echo "conformance: no driver at $so (run make first)" >&2
	exit 2
fi
if [ ! -x "$conf/pd-run" ]; then
	echo "conformance: no pd-run in $conf (set CONFORMANCE_DIR)" >&2
	exit 2
fi

mkdir -p "$(dirname "$tsv")"
out=$(mktemp)
trap 'rm -f "$out" "$out.own"' EXIT

export PACKETDRILL=$pd PD_PRELOAD=1
"$conf/pd-run" "$so" "$@" | tee "$out"

# synq's own scripts, when no script list was given.
own=$repo/tests/packetdrill
if [ $# -eq 0 ] && [ -d "$own" ]; then
	mapfile -t mine < <(find "$own" -name '*.pkt' | sort)
	if [ ${#mine[@]} -gt 0 ]; then
		echo "-- synq's own scripts (tests/packetdrill)"
		"$conf/pd-run" "$so" "${mine[@]}" | tee "$out.own"
	fi
fi

{
	printf 'script\tresult\tfirst_error\n'
	cat "$out" "$out.own" 2>/dev/null | awk -v repo="$repo/" '
		function rel(n) { if (index(n, repo) == 1) n = substr(n, length(repo) + 1); return n }
		/^PASS / { printf "%s\tpass\t\n", rel($2); next }
		/^FAIL / {
			name = $2; sub(/:$/, "", name); name = rel(name)
			err = $0; sub(/^FAIL [^ ]*: ?/, "", err)
			gsub(/\t/, " ", err)
			printf "%s\tfail\t%s\n", name, err
		}'
} >"$tsv"

pass=$(awk -F'\t' 'NR > 1 && $2 == "pass"' "$tsv" | wc -l)
fail=$(awk -F'\t' 'NR > 1 && $2 == "fail"' "$tsv" | wc -l)
echo "conformance: $pass passed, $fail failed (details in $tsv)"
[ "$fail" -eq 0 ]

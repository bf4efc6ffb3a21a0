#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Run synq's own packetdrill scripts against the real Linux kernel.
#
#   conformance-kernel.sh PACKETDRILL SCRIPT_DIR OUT_TSV [NAME...]
#
#   PACKETDRILL  the packetdrill binary (make conformance-kernel PACKETDRILL=...)
#   SCRIPT_DIR   directory of .pkt scripts (tests/packetdrill); they call
#                `./defaults.sh`, so each runs with SCRIPT_DIR as its
#                working directory
#   OUT_TSV      one line per script: script, pass|fail, first error
#   NAME         optional: only these scripts (file names in SCRIPT_DIR)
#
# Every attempt of every script gets a fresh private network namespace
# (ip netns add, lo up); packetdrill runs there in tun mode, so its tun0,
# routes, sysctls and counters (nstat) belong to that namespace only and the
# host's network configuration is never touched. The namespace is deleted
# afterwards, also on Ctrl-C. A failing script is retried up to twice more
# (the kernel's request timers fire late on a HZ=250 kernel).
#
# Needs root (namespaces, tun). Environment:
#   PD_KERNEL_TIMEOUT  wall-clock limit per attempt in seconds (default 100);
#                      a timed-out script is not retried
#   PD_KERNEL_TRIES    attempts per script (default 3)
#   PD_ARGS            extra packetdrill arguments (e.g. -v)
#   PD_VERBOSE=1       print the whole packetdrill output of failed attempts
set -uo pipefail

usage() {
	echo "usage: $0 PACKETDRILL SCRIPT_DIR OUT_TSV [NAME...]" >&2
	exit 2
}
[ $# -ge 3 ] || usage
pd=$1 dir=$2 tsv=$3
shift 3

if [ -z "$pd" ] || [ ! -x "$pd" ]; then
	cat >&2 <<EOF
conformance-kernel: no packetdrill binary${pd:+ at '$pd'}.
Build one by hand, outside this repository (it is GPL and never committed):
  git clone https://github.com/google/packetdrill /tmp/packetdrill
  cd /tmp/packetdrill/gtests/net/packetdrill && ./configure && make
then run (as root)
  make conformance-kernel PACKETDRILL=/tmp/packetdrill/gtests/net/packetdrill/packetdrill
EOF
	exit 2
fi
pd=$(cd "$(dirname "$pd")" && pwd)/$(basename "$pd")
if [ ! -d "$dir" ]; then
	echo "conformance-kernel: no script directory $dir" >&2
	exit 2
fi
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "conformance-kernel: needs root (network namespaces and a tun device)" >&2
	exit 2
fi
command -v ip >/dev/null || { echo "conformance-kernel: needs iproute2 (ip)" >&2; exit 2; }

timeout_s=${PD_KERNEL_TIMEOUT:-100}
tries=${PD_KERNEL_TRIES:-3}

# The addresses of the kernel selftests' runner: the stack under test is
# 192.168.0.1 (tun0), the scripted peer 192.0.2.1.
pd_args=(--ip_version=ipv4 --local_ip=192.168.0.1 --gateway_ip=192.168.0.1
	--netmask_ip=255.255.0.0 --remote_ip=192.0.2.1)

if [ $# -gt 0 ]; then
	scripts=()
	for n in "$@"; do
		n=$(basename "$n")
		[ -f "$dir/$n" ] || { echo "conformance-kernel: no such script: $dir/$n" >&2; exit 2; }
		scripts+=("$n")
	done
else
	mapfile -t scripts < <(cd "$dir" && find . -maxdepth 1 -name '*.pkt' -printf '%f\n' | sort)
fi
if [ ${#scripts[@]} -eq 0 ]; then
	echo "conformance-kernel: no .pkt scripts in $dir" >&2
	exit 2
fi

work=$(mktemp -d -t synq-pdk.XXXXXX)
ns=""      # namespace of the attempt in progress
child=""   # pid of the attempt in progress

drop_ns() {
	[ -n "$ns" ] || return 0
	local p
	# only processes of our own attempt live in this namespace
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	ns=""
}
cleanup() {
	if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; child=""; fi
	drop_ns
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "conformance-kernel: interrupted" >&2; exit 130' INT TERM HUP

first_error() {
	local log=$1 name=$2 line
	line=$(grep -m1 -F "$name:" "$log")
	[ -n "$line" ] || line=$(grep -m1 -E 'error|Error|assert|FAIL|fatal' "$log")
	[ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' "$log" | tail -n1)
	[ -n "$line" ] || line="(no output)"
	printf '%s' "$line" | tr '\t\r' '  ' | cut -c1-300
}

# run_once NAME LOG: one attempt in a fresh namespace; returns packetdrill's status
run_once() {
	local name=$1 log=$2 rc
	ns=synq-pdk-$$-$RANDOM
	if ! ip netns add "$ns" 2>"$log"; then ns=""; return 125; fi
	if ! ip -n "$ns" link set lo up 2>>"$log"; then drop_ns; return 125; fi
	(
		cd "$dir" || exit 125
		# nstat keeps its history in a per-user file; give each attempt its own
		export NSTAT_HISTORY=$work/nstat.$name.hist
		rm -f "$NSTAT_HISTORY"
		# shellcheck disable=SC2086
		exec timeout -k 5 "$timeout_s" ip netns exec "$ns" \
			"$pd" "${pd_args[@]}" ${PD_ARGS:-} "$name"
	) </dev/null >>"$log" 2>&1 &
	child=$!
	wait "$child"
	rc=$?
	child=""
	drop_ns
	return $rc
}

mkdir -p "$(dirname "$tsv")"
printf 'script\tresult\tfirst_error\n' >"$tsv"
npass=0 nfail=0
for name in "${scripts[@]}"; do
	result=fail note="" first=""
	for ((k = 1; k <= tries; k++)); do
		log=$work/$name.$k.log
		start=$SECONDS
		run_once "$name" "$log"
		rc=$?
		if [ $rc = 0 ]; then
			result=pass
			[ $k -gt 1 ] && note="passed on attempt $k; attempt 1: $first"
			break
		fi
		err=$(first_error "$log" "$name")
		timed_out=0
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			err="timeout after ${timeout_s}s; $err"
			timed_out=1
		fi
		[ -n "$first" ] || first=$err
		echo "  attempt $k of $name failed after $((SECONDS - start))s: $err" >&2
		[ "${PD_VERBOSE:-0}" = 1 ] && sed 's/^/    | /' "$log" >&2
		# a hang (a blocking call that never returns) is not a late timer:
		# another attempt would only wait out the timeout again
		[ $timed_out = 1 ] && break
	done
	if [ $result = pass ]; then
		echo "PASS $name${note:+ ($note)}"
		npass=$((npass + 1))
	else
		note=$first
		echo "FAIL $name: $note"
		nfail=$((nfail + 1))
	fi
	printf '%s\t%s\t%s\n' "$name" "$result" "$note" >>"$tsv"
done

echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]

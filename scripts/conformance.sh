#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Run packetdrill scripts against synq's packetdrill driver (the stack as a
# shared object, packetdrill's --so_filename mode) and write one line per
# script: name, pass|fail, first error.
#
#   conformance.sh PACKETDRILL SO TSV DIR...
#   make conformance PACKETDRILL=... SCRIPTS="DIR..."
#
#   PACKETDRILL  a packetdrill binary, built by hand (never part of synq)
#   SO           build/release/libsynq_packetdrill.so
#   TSV          the result file (build/conformance.tsv)
#   DIR          a directory of .pkt scripts, optionally as LABEL=DIR.
#                Scripts are named LABEL/PATH-IN-DIR. Without a label, a
#                directory inside this repository is labelled with its path
#                (tests/packetdrill); packetdrill's gtests/net/tcp is
#                "google"; the kernel's tools/testing/selftests/net/packetdrill
#                is "linux"; any other directory its own base name.
#
# Which scripts run. For a label listed in tests/conformance/linux-6.18-pass.tsv
# (google, linux), the scripts that pass there on Linux 6.18, in that file's
# order: a script the kernel itself fails says nothing about synq. Every
# other directory: all its scripts, sorted. Labels listed there come first.
#
# The host is never touched. packetdrill runs from a scratch directory in
# which `./defaults.sh`, `../common/defaults.sh` and `set_sysctls.py` are
# the script directory's own defaults file and a recorder, and PATH starts
# with stand-ins for sysctl, ip, tc, ethtool and nstat: a sysctl write is
# appended to $PD_SYSCTL_FILE (the driver reads it), a read answers from it,
# ip/tc/ethtool do nothing, and nstat prints the counters the driver keeps
# in $PD_NSTAT_FILE. In .so mode packetdrill opens no tun device.
#
# Timers. The stack's timers fire as Linux's timer wheel fires them, which
# depends on CONFIG_HZ. The kernel the google and linux pass list was recorded
# on fired them as HZ=1000 does (sack-shift-sacked-7-*-fack.pkt: the RACK
# reordering timer at +27 ms; an HZ=250 kernel, as Debian's, fires it at
# +31.8 ms and fails the script), so those labels run with hz=1000; every
# other directory (tests/packetdrill is checked on this machine's HZ=250
# kernel by make conformance-kernel) with hz=250. PD_HZ=N sets it for all.
#
# Environment: PD_TIMEOUT (seconds per script, default 30), PD_ARGS (extra
# packetdrill arguments), PD_VERBOSE=1 (print the output of failing scripts),
# PD_KEEP_LOGS=1 (keep the scratch directory, path on stderr).
set -uo pipefail

usage() {
	echo "usage: $0 PACKETDRILL SO TSV DIR..." >&2
	exit 2
}
[ $# -ge 4 ] || usage
pd=$1 so=$2 tsv=$3
shift 3

repo=$(cd "$(dirname "$0")/.." && pwd)
passlist=$repo/tests/conformance/linux-6.18-pass.tsv

if [ -z "$pd" ] || [ ! -x "$pd" ]; then
	cat >&2 <<EOF
conformance: no packetdrill binary${pd:+ at '$pd'}.
Build one by hand, outside this repository (it is GPL and never committed):
  git clone https://github.com/google/packetdrill /tmp/packetdrill
  cd /tmp/packetdrill/gtests/net/packetdrill && ./configure && make
then run, with the script directories you have, e.g.
  make conformance PACKETDRILL=/tmp/packetdrill/gtests/net/packetdrill/packetdrill \\
    SCRIPTS="/tmp/packetdrill/gtests/net/tcp tests/packetdrill"
(as root, or with 'ulimit -l unlimited': packetdrill mlockall()s its memory).
EOF
	exit 2
fi
[ -f "$so" ] || { echo "conformance: no driver at $so (run make first)" >&2; exit 2; }
so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so") # dlopen wants a slash

if [ "$(id -u)" != 0 ] && [ "$(ulimit -l)" != unlimited ]; then
	ulimit -l unlimited 2>/dev/null ||
		echo "conformance: 'ulimit -l' is $(ulimit -l) KiB; packetdrill's mlockall may fail" >&2
fi

scratch=$(mktemp -d -t synq-conformance.XXXXXX)
finish() {
	if [ -f "$scratch/made" ]; then
		while read -r f; do rm -f "$f"; done <"$scratch/made"
	fi
	if [ "${PD_KEEP_LOGS:-0}" = 1 ]; then
		echo "conformance: logs in $scratch" >&2
	else
		rm -rf "$scratch"
	fi
}
trap finish EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ stand-ins
bin=$scratch/bin
mkdir -p "$bin"
cat >"$bin/sysctl" <<'EOF'
#!/usr/bin/env bash
# Stand-in: sysctl writes go to $PD_SYSCTL_FILE, reads come from it.
file=${PD_SYSCTL_FILE:?}
status=0 bare=0
for arg in "$@"; do
	case $arg in
	-n) bare=1 ;;
	-*) ;;
	*=*)
		key=${arg%%=*}
		printf '%s=%s\n' "${key//\//.}" "${arg#*=}" >>"$file" ;;
	*)
		key=${arg//\//.}
		val=$(awk -F= -v k="$key" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$file")
		if [ -z "$val" ]; then
			echo "sysctl: $key: not set in this run" >&2
			status=255
		elif [ $bare = 1 ]; then
			echo "$val"
		else
			echo "$key = $val"
		fi ;;
	esac
done
exit $status
EOF
cat >"$bin/set_sysctls.py" <<'EOF'
#!/usr/bin/env bash
# Stand-in: /proc/sys/a/b=v becomes a.b=v in $PD_SYSCTL_FILE; the restore
# script a test runs at its end is made, and does nothing.
file=${PD_SYSCTL_FILE:?}
for arg in "$@"; do
	key=${arg%%=*}
	key=${key#/proc/sys/}
	printf '%s=%s\n' "${key//\//.}" "${arg#*=}" >>"$file"
done
restore=/tmp/sysctl_restore_${PACKETDRILL_PID:-$PPID}.sh
printf '#!/bin/sh\nexit 0\n' >"$restore" && chmod 755 "$restore"
[ -z "${SYNQ_CONFORMANCE_MADE:-}" ] || echo "$restore" >>"$SYNQ_CONFORMANCE_MADE"
exit 0
EOF
for tool in ip tc ethtool; do
	printf '#!/bin/sh\n# Stand-in: does nothing.\nexit 0\n' >"$bin/$tool"
done
cat >"$bin/nstat" <<'EOF'
#!/usr/bin/env bash
# Stand-in: counters from $PD_NSTAT_FILE ("Name value"), deltas against
# the copy the last call left next to it.
now=${PD_NSTAT_FILE:?}
then=$now.last
reset=0 keep=0 absolute=0 zeros=0
for arg in "$@"; do
	case $arg in
	-n|--nooutput) reset=1 ;;
	-s|--noupdate) keep=1 ;;
	-a|--ignore) absolute=1 ;;
	-z|--zeros) zeros=1 ;;
	esac
done
touch "$now"
if [ $reset = 1 ]; then
	cp "$now" "$then"
	exit 0
fi
[ -f "$then" ] || : >"$then"
echo "#kernel"
awk -v absolute=$absolute -v zeros=$zeros '
	FILENAME == ARGV[1] { before[$1] = $2; next }
	{ d = absolute ? $2 : $2 - before[$1]
	  if (d != 0 || zeros) printf "%-32s%-19s%s\n", $1, d, "0.0" }' "$then" "$now"
[ $keep = 1 ] || cp "$now" "$then"
exit 0
EOF
chmod 755 "$bin"/*

# ------------------------------------------------------- which scripts
label_of() {
	local dir=$1
	case $dir in
	"$repo"/*) echo "${dir#"$repo"/}" ;;
	*/gtests/net/tcp | */google/tcp) echo google ;;
	*/selftests/net/packetdrill | */conformance/linux) echo linux ;;
	*) basename "$dir" ;;
	esac
}

# The defaults file a script directory's scripts expect.
defaults_of() {
	local dir=$1 f
	for f in "$dir/defaults.sh" "$dir/../common/defaults.sh" "$dir/common/defaults.sh"; do
		if [ -f "$f" ]; then
			echo "$(cd "$(dirname "$f")" && pwd)/defaults.sh"
			return
		fi
	done
	echo "conformance: no defaults.sh for $dir" >&2
	exit 2
}

list=$scratch/list # label, name, path, defaults
: >"$list"
declare -A dir_of
labels=()
for arg in "$@"; do
	if [[ $arg == *=* ]]; then
		label=${arg%%=*} dir=${arg#*=}
	else
		label='' dir=$arg
	fi
	[ -d "$dir" ] || { echo "conformance: no directory $dir" >&2; exit 2; }
	dir=$(cd "$dir" && pwd)
	[ -n "$label" ] || label=$(label_of "$dir")
	dir_of[$label]=$dir
	labels+=("$label")
done

if [ -f "$passlist" ]; then
	while IFS=$'\t' read -r label rel result _; do
		[ "$result" = pass ] || continue
		dir=${dir_of[$label]:-}
		[ -n "$dir" ] || continue
		if [ ! -f "$dir/$rel" ]; then
			echo "conformance: $label/$rel is not in $dir" >&2
			continue
		fi
		printf '%s\t%s\t%s\n' "$label" "$label/$rel" "$dir/$rel"
	done < <(tail -n +2 "$passlist") >>"$list"
fi
for label in "${labels[@]}"; do
	if [ -f "$passlist" ] && cut -f1 "$passlist" | grep -qxF "$label"; then
		continue
	fi
	dir=${dir_of[$label]}
	find "$dir" -name '*.pkt' | LC_ALL=C sort | while read -r path; do
		printf '%s\t%s\t%s\n' "$label" "$label/${path#"$dir"/}" "$path"
	done >>"$list"
done

# ------------------------------------------------------------- running
first_error() { # log script
	local log=$1 script=$2 line
	line=$(grep -m1 -F "$(basename "$script"):" "$log")
	[ -n "$line" ] || line=$(grep -m1 -E 'Error|error|assert|Assert|FAIL|Bad|Function not' "$log")
	[ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' "$log" | tail -n1)
	[ -n "$line" ] || line="(no output)"
	line=${line//"$(dirname "$script")/"/}
	printf '%s' "$line" | tr '\t\r' '  ' | cut -c1-240
}

timeout_s=${PD_TIMEOUT:-30}
out=$scratch/results
: >"$out"
passed=0 failed=0 n=0
while IFS=$'\t' read -r label name script; do
	n=$((n + 1))
	run=$scratch/run$n
	defaults=$(defaults_of "${dir_of[$label]}")
	for d in "$run/a/b" "$run/a/common" "$run/common"; do
		mkdir -p "$d"
		ln -s "$defaults" "$d/defaults.sh"
		ln -s "$bin/set_sysctls.py" "$d/set_sysctls.py"
	done
	mss=$(grep -m1 -E '^--mss=' "$script" | cut -d= -f2 | tr -d '[:space:]')
	args=(--local_ip=192.168.0.1 --gateway_ip=192.168.0.1 --netmask_ip=255.255.0.0
	      --remote_ip=192.0.2.1
	      -D TFO_COOKIE=3021b9d889017eeb -D TFO_COOKIE_ZERO=b7c12350a90dc8f5
	      -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR)
	grep -qE '^--ip_version=' "$script" || args=(--ip_version=ipv4 "${args[@]}")
	# packetdrill's own suite frees send buffers the way its tests expect.
	[ "$label" = google ] && args+=(--send_omit_free)
	hz=250
	[ -f "$passlist" ] && cut -f1 "$passlist" | grep -qxF "$label" && hz=1000
	hz=${PD_HZ:-$hz}
	flags="ip=ipv4,local_ip=192.168.0.1,remote_ip=192.0.2.1,mtu=1500,hz=$hz${mss:+,mss=$mss}"
	log=$run/log
	: >"$run/sysctl"
	(
		cd "$run/a/b" || exit 125
		export PATH=$bin:$PATH
		export PD_SYSCTL_FILE=$run/sysctl PD_NSTAT_FILE=$run/nstat
		export SYNQ_CONFORMANCE_MADE=$scratch/made
		# The driver also interposes packetdrill's own getsockopt/close
		# calls (TCP_INFO in %{ }% blocks).
		export LD_PRELOAD=$so${LD_PRELOAD:+:$LD_PRELOAD}
		# shellcheck disable=SC2086
		exec timeout -k 5 "$timeout_s" "$pd" "${args[@]}" ${PD_ARGS:-} \
			--so_filename="$so" --so_flags="$flags" "$script"
	) </dev/null >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		echo "PASS $name"
		printf '%s\tpass\t\n' "$name" >>"$out"
		passed=$((passed + 1))
		continue
	fi
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		err="timeout after ${timeout_s}s"
		last=$(first_error "$log" "$script")
		[ "$last" = "(no output)" ] || err="$err; last output: $last"
	elif [ $rc -gt 128 ]; then
		err="packetdrill killed by signal $((rc - 128)); $(first_error "$log" "$script")"
	else
		err=$(first_error "$log" "$script")
	fi
	echo "FAIL $name: $err"
	[ "${PD_VERBOSE:-0}" = 1 ] && sed 's/^/    | /' "$log"
	printf '%s\tfail\t%s\n' "$name" "$err" >>"$out"
	failed=$((failed + 1))
done <"$list"

mkdir -p "$(dirname "$tsv")"
{
	printf 'script\tresult\tfirst_error\n'
	cat "$out"
} >"$tsv"
echo "conformance: $passed passed, $failed failed (details in $tsv)"
[ $n -gt 0 ] || { echo "conformance: no scripts found" >&2; exit 2; }
[ $failed -eq 0 ]

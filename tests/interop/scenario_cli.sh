#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# synq sim and synq sweep as a user runs them:
#  - a bad scenario file gives one line and exit status 2;
#  - the same seed gives byte-identical CSV, JSON and pcap; another seed
#    changes them;
#  - a sweep run in-process and the same sweep emitted, run by GNU
#    parallel and merged give byte-identical sweep.csv.
#   scenario_cli.sh BUILD_DIR
set -uo pipefail
build=${1:-build/release}
synq=$build/synq
tmp=$(mktemp -d /tmp/synq-scn-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tally.sh"
need parallel

# 1. bad files: one line, status 2
for f in tests/scenarios/bad/*.ini; do
  "$synq" sim "$f" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  want=$(head -1 "$f" | sed 's/^; error: //')
  got=$(head -1 "$tmp/err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ "$got" = "tests/scenarios/bad/$want" ] &&
     [ ! -s "$tmp/out" ]; then ok "$f: one line, exit 2"
  else bad "$f: rc $rc, $lines lines: $got"; fi
done

# 2. same seed, same bytes (CLI level, pcaps on)
sc=scenarios/seeds/c22_synflood_cookies.ini
args=(--duration 3s --set run.pcap=yes --set link.l.loss=1% --set clients.web.link=l --no-plots --quiet)
"$synq" sim "$sc" "${args[@]}" --seed 11 --out "$tmp/a" &&
"$synq" sim "$sc" "${args[@]}" --seed 11 --out "$tmp/b" &&
"$synq" sim "$sc" "${args[@]}" --seed 12 --out "$tmp/c" || bad "sim runs"
for f in summary.json series.csv connect_times.csv server.pcap; do
  if cmp -s "$tmp/a/$f" "$tmp/b/$f"; then ok "seed 11 twice: $f identical"
  else bad "seed 11 twice: $f differs"; fi
  if ! cmp -s "$tmp/a/$f" "$tmp/c/$f"; then ok "seeds 11 and 12: $f differs"
  else bad "seeds 11 and 12: $f identical"; fi
done

# 3. in-process sweep == emit | parallel | merge
grid=(--vary server.ListenBacklog=1,4,16 --vary kernel.net.ipv4.tcp_syncookies=0,1
      --duration 2s)
"$synq" sweep "$sc" "${grid[@]}" --out "$tmp/s1" >/dev/null || bad "sweep in-process"
"$synq" sweep "$sc" "${grid[@]}" --out "$tmp/s2" --emit >"$tmp/cmds" || bad "sweep --emit"
parallel --will-cite -j2 <"$tmp/cmds" || bad "parallel ran the points"
"$synq" sweep --merge "$tmp/s2" >/dev/null || bad "sweep --merge"
if cmp -s "$tmp/s1/sweep.csv" "$tmp/s2/sweep.csv" && [ "$(wc -l <"$tmp/s1/sweep.csv")" -eq 7 ]
then ok "sweep in-process and through GNU parallel: identical sweep.csv (6 points)"
else bad "sweep.csv differs between in-process and GNU parallel"; fi
# 4. numeric options: a blank, a sign or junk before the digits is refused
#    with one line and a non-zero status, never wrapped to a huge number
for arg in ' -5' '-5' '+5' ' 5' '5x' ''; do
  "$synq" backlog --max "$arg" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]
  then ok "synq backlog --max '$arg' refused"
  else bad "synq backlog --max '$arg': rc $rc, $(head -c 200 "$tmp/err")"; fi
done
if "$synq" backlog --max 3 >"$tmp/out" 2>&1 && [ -s "$tmp/out" ]; then ok "synq backlog --max 3 runs"
else bad "synq backlog --max 3"; fi

finish

#!/usr/bin/env bash
# synq httpd --kernel next to real Apache 2.4 (Debian apache2, prefork,
# mod_status, mod_reqtimeout, MaxRequestWorkers 150), both hit by the same
# bounded Slowloris (slowhttptest -H) plus one curl a second, inside a
# private network namespace. Both scoreboards are sampled from ?auto once a
# second; a sample matches when every state's count (_ R W K C L) differs
# by at most one slot, plus, while slots fill or drain, what Apache's count
# moves in a quarter of a second (the two attacks start apart). Apache
# starts all 150 children (StartServers 150, MaxSpareServers 150) because
# synq's prefork has no spare-server maintenance: its slots all exist from
# the start.
#   tests/interop/httpd_apache.sh BUILD_DIR
set -uo pipefail

build=${1:-build/release}
synq=$(realpath "$build/synq")
. "$(dirname "$0")/lib/tally.sh"
need_root "network namespaces"
need ip apache2 slowhttptest curl

ns=synq-httpd-ap$$
dir=$(mktemp -d /tmp/synq-httpd-ap.XXXXXX)
chmod 755 "$dir"
cleanup() {
  [ -f "$dir/apache.pid" ] && kill "$(cat "$dir/apache.pid")" 2>/dev/null
  [ -n "${synq_pid:-}" ] && kill "$synq_pid" 2>/dev/null
  for p in ${bg_pids:-}; do kill "$p" 2>/dev/null; done
  sleep 1
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns" || { bad "ip netns add"; finish; }
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

mods=/usr/lib/apache2/modules
mkdir -p "$dir/htdocs"
head -c 100 /dev/zero | tr '\0' x >"$dir/htdocs/index.html"
cat >"$dir/apache.conf" <<EOF
ServerRoot $dir
ServerName localhost
PidFile $dir/apache.pid
Mutex file:$dir default
LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule status_module $mods/mod_status.so
LoadModule reqtimeout_module $mods/mod_reqtimeout.so
Listen 127.0.0.1:8081
User nobody
Group nogroup
ErrorLog $dir/apache-error.log
DocumentRoot $dir/htdocs
ServerLimit 150
MaxRequestWorkers 150
StartServers 150
MinSpareServers 5
MaxSpareServers 150
Timeout 60
KeepAlive On
KeepAliveTimeout 5
MaxKeepAliveRequests 100
ListenBacklog 511
RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500
ExtendedStatus On
<Location /server-status>
SetHandler server-status
</Location>
EOF
in_ns /usr/sbin/apache2 -f "$dir/apache.conf" -k start || { bad "apache start"; finish; }
ip netns exec "$ns" "$synq" httpd --kernel --listen 127.0.0.1:8082 --mpm prefork \
  --set MaxRequestWorkers=150 --set "RequestReadTimeout=header=20-40,MinRate=500 body=20,MinRate=500" \
  --duration 120 2>"$dir/synq.err" &
synq_pid=$!
sleep 3   # Apache forks its 150 children
for port in 8081 8082; do
  n=$(in_ns curl -s "http://127.0.0.1:$port/server-status?auto" | sed -n 's/^Scoreboard: //p' | tr -d '.' | wc -c)
  [ "$n" -gt 150 ] && ok "port $port: 150 slots ready" || bad "port $port: scoreboard has $((n - 1)) slots"
done

# The load: the same Slowloris against each (200 connections at 50/s,
# a header line every 10 s, 40 s), one curl a second against each.
sleep 0.2
for port in 8081 8082; do
  ip netns exec "$ns" slowhttptest -H -c 200 -r 50 -i 10 -x 24 -p 3 -l 40 \
    -u "http://127.0.0.1:$port/index.html" >"$dir/slow-$port.log" 2>&1 &
  bg_pids="${bg_pids:-} $!"
done
for s in $(seq 1 45); do
  # both scoreboards at the same instant, then the probes
  for port in 8081 8082; do
    ( sb=$(in_ns curl -s -m 1 "http://127.0.0.1:$port/server-status?auto" | sed -n 's/^Scoreboard: //p')
      echo "$s $port $sb" >>"$dir/samples" ) &
    w="${w:-} $!"
  done
  wait $w; w=
  for port in 8081 8082; do
    ( code=$(in_ns curl -s -o /dev/null -m 0.8 -w '%{http_code}' "http://127.0.0.1:$port/index.html")
      echo "$s $port $code" >>"$dir/probes" ) &
    w="${w:-} $!"
  done
  wait $w; w=
  sleep 0.5
done

# Compare the samples second by second. A sample is missing when a status
# request could not be served within 1 s (every slot busy, the request
# waiting in the accept queue): the same for both servers.
matched=0 total=0
count() { local s=$1 c=$2; echo -n "$s" | tr -cd "$c" | wc -c; }
printf '%4s  %-28s %-28s\n' s "apache _ R W K C L" "synq _ R W K C L" >"$dir/table"
for s in $(seq 1 45); do
  a=$(awk -v s="$s" '$1 == s && $2 == 8081 {print $3}' "$dir/samples")
  q=$(awk -v s="$s" '$1 == s && $2 == 8082 {print $3}' "$dir/samples")
  [ -z "$a" ] || [ -z "$q" ] && continue
  total=$((total + 1))
  ap=$(awk -v s="$((s - 1))" '$1 == s && $2 == 8081 {print $3}' "$dir/samples")
  an=$(awk -v s="$((s + 1))" '$1 == s && $2 == 8081 {print $3}' "$dir/samples")
  line_ok=1 ac="" qc=""
  for st in _ R W K C L; do
    x=$(count "$a" "$st") y=$(count "$q" "$st")
    ac="$ac $x" qc="$qc $y"
    d=$((x - y)); d=${d#-}
    # The two attacks start a few tens of milliseconds apart, so while
    # slots fill or drain (up to 50 a second) one slot of slack is not
    # enough: allow what Apache's count moves in a quarter of a second.
    slope=0
    [ -n "$ap" ] && [ -n "$an" ] &&
      slope=$(( $(count "$an" "$st") - $(count "$ap" "$st") )) && slope=${slope#-}
    [ "$d" -le $((1 + (slope + 7) / 8)) ] || line_ok=0
  done
  [ $line_ok = 1 ] && matched=$((matched + 1)) mark="" || mark="  <- differs"
  printf '%4s  %-28s %-28s%s\n' "$s" "$ac" "$qc" "$mark" >>"$dir/table"
done
cat "$dir/table"
echo "samples within one slot per state: $matched of $total"
[ "$total" -ge 30 ] && [ $((matched * 10)) -ge $((total * 9)) ] &&
  ok "scoreboards match within one slot per state in $matched of $total samples (>= 90%)" ||
  bad "scoreboards match in only $matched of $total samples"
# Both are full of R during the attack and recover after the header timeout.
peak_a=$(awk '$2 == 8081' "$dir/samples" | while read -r _ _ sb; do count "$sb" R; echo; done | sort -n | tail -1)
peak_q=$(awk '$2 == 8082' "$dir/samples" | while read -r _ _ sb; do count "$sb" R; echo; done | sort -n | tail -1)
echo "peak R: apache $peak_a, synq $peak_q"
# The last sample before every slot is taken (status requests then wait
# too) falls somewhere on the ramp, so the peaks differ by the ramp's
# phase; the samples above compare the ramps themselves.
[ "${peak_a:-0}" -ge 100 ] && [ "${peak_q:-0}" -ge 100 ] &&
  ok "both fill with R under Slowloris (peak $peak_a vs $peak_q of 150)" ||
  bad "peak R: apache $peak_a, synq $peak_q"
fa=$(awk '$2 == 8081 && $3 != 200' "$dir/probes" | wc -l)
fq=$(awk '$2 == 8082 && $3 != 200' "$dir/probes" | wc -l)
echo "probes failed: apache $fa, synq $fq of 45"
d=$((fa - fq)); d=${d#-}
[ "$d" -le 3 ] && ok "the legitimate client fares alike ($fa vs $fq failed probes)" ||
  bad "probe failures differ: apache $fa, synq $fq"
kill "$synq_pid" 2>/dev/null
wait "$synq_pid" 2>/dev/null
grep -q "stopping" "$dir/synq.err" && ok "synq httpd stops cleanly on SIGTERM" || bad "no clean stop"
finish

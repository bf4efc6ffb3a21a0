#!/usr/bin/env bash
# prometheus-apache-exporter scrapes synq httpd's /server-status?auto and
# prometheus-nginx-exporter its /nginx_status, inside a private network
# namespace; their metrics must equal what the status pages say.
#   tests/interop/httpd_exporters.sh BUILD_DIR
set -uo pipefail

build=${1:-build/release}
synq=$(realpath "$build/synq")
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed${1:+, $1 skipped}"; exit 0; }

if [ "$(id -u)" != 0 ]; then echo "skip: needs root for a network namespace"; finish 1; fi
for t in prometheus-apache-exporter prometheus-nginx-exporter curl; do
  command -v "$t" >/dev/null || { echo "skip: $t not installed"; finish 1; }
done

ns=synq-httpd-ex$$
dir=$(mktemp -d /tmp/synq-httpd-ex.XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  sleep 0.5
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns" || { bad "ip netns add"; finish; }
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

for mpm in prefork event; do
  port=8090
  [ $mpm = event ] && port=8091
  ip netns exec "$ns" "$synq" httpd --kernel --listen 127.0.0.1:$port --mpm $mpm \
    --set MaxRequestWorkers=20 --duration 60 2>>"$dir/synq.err" &
  pids="$pids $!"
done
sleep 1   # the nginx exporter gives up at start when nothing answers yet
ip netns exec "$ns" prometheus-apache-exporter \
  --scrape_uri="http://127.0.0.1:8090/server-status?auto" \
  --telemetry.address=127.0.0.1:9117 >"$dir/apache-exp.log" 2>&1 &
pids="$pids $!"
ip netns exec "$ns" prometheus-nginx-exporter \
  -nginx.scrape-uri "http://127.0.0.1:8091/nginx_status" \
  -web.listen-address 127.0.0.1:9113 >"$dir/nginx-exp.log" 2>&1 &
pids="$pids $!"
sleep 1.5

# Some traffic first: three requests and three idle kept-alive connections
# on each server (the idle ones hold K on prefork, Waiting on event).
for port in 8090 8091; do
  for i in 1 2 3; do in_ns curl -s -o /dev/null "http://127.0.0.1:$port/"; done
  ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&3; sleep 20" &
  pids="$pids $!"
  ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; sleep 20" &
  pids="$pids $!"
done
sleep 1

metric() { awk -v m="$1" '$1 == m {print $2}' "$2" | head -1; }

# Apache exporter (prefork): scoreboard and workers against our ?auto.
in_ns curl -s http://127.0.0.1:9117/metrics >"$dir/apache.prom"
in_ns curl -s "http://127.0.0.1:8090/server-status?auto" >"$dir/auto"
up=$(metric apache_up "$dir/apache.prom")
[ "$up" = 1 ] && ok "apache exporter reads ?auto (apache_up 1)" || bad "apache_up '$up'"
sb=$(sed -n 's/^Scoreboard: //p' "$dir/auto")
# The exporter keeps its connection alive: when our fetch runs, that
# connection's slot shows K, while during the exporter's own scrape it
# was W (its request) and our fetch's slot was _. So the exporter saw our
# scoreboard with one K turned into _.
check_state() {   # exporter state label, scoreboard character
  local got want
  got=$(metric "apache_scoreboard{state=\"$1\"}" "$dir/apache.prom")
  want=$(echo -n "$sb" | tr -cd "$2" | wc -c)
  case $2 in _) want=$((want + 1)) ;; K) want=$((want - 1)) ;; esac
  [ "${got%.*}" = "$want" ] && ok "apache_scoreboard $1 = $want" ||
    bad "apache_scoreboard $1: exporter '$got', ?auto $want ($sb)"
}
check_state idle _
check_state read R
check_state reply W
check_state keepalive K
check_state closing C
check_state logging L
check_state open_slot .
busy=$(metric 'apache_workers{state="busy"}' "$dir/apache.prom")
idle=$(metric 'apache_workers{state="idle"}' "$dir/apache.prom")
[ "${busy%.*}" = "$(( $(sed -n 's/^BusyWorkers: //p' "$dir/auto") - 1 ))" ] && ok "apache_workers busy = BusyWorkers - 1 ($busy)" || bad "busy '$busy'"
[ "${idle%.*}" = "$(( $(sed -n 's/^IdleWorkers: //p' "$dir/auto") + 1 ))" ] && ok "apache_workers idle = IdleWorkers + 1 ($idle)" || bad "idle '$idle'"
acc=$(metric apache_accesses_total "$dir/apache.prom")
want=$(sed -n 's/^Total Accesses: //p' "$dir/auto")
# our own ?auto fetch came after the exporter's, and counts when logged
[ "${acc%.*}" -le "$want" ] && [ "${acc%.*}" -ge $((want - 1)) ] &&
  ok "apache_accesses_total $acc (?auto: $want, one fetch later)" || bad "accesses '$acc' vs $want"

# nginx exporter (event): stub_status against our /nginx_status.
in_ns curl -s http://127.0.0.1:9113/metrics >"$dir/nginx.prom"
in_ns curl -s "http://127.0.0.1:8091/nginx_status" >"$dir/stub"
cat "$dir/stub"
up=$(metric nginx_up "$dir/nginx.prom")
[ "$up" = 1 ] && ok "nginx exporter reads /nginx_status (nginx_up 1)" || bad "nginx_up '$up'"
read -r acc_s han_s req_s < <(sed -n '3p' "$dir/stub")
active_s=$(sed -n 's/^Active connections: \([0-9]*\).*/\1/p' "$dir/stub")
read -r rd wr wt < <(sed -n 's/^Reading: \([0-9]*\) Writing: \([0-9]*\) Waiting: \([0-9]*\).*/\1 \2 \3/p' "$dir/stub")
cmp() {   # metric, expected, tolerance (our own fetch came later)
  local got
  got=$(metric "$1" "$dir/nginx.prom")
  got=${got%.*}
  [ -n "$got" ] && [ "$got" -le "$2" ] && [ "$got" -ge $(($2 - $3)) ] &&
    ok "$1 = $got (stub_status $2)" || bad "$1: exporter '$got', stub_status $2"
}
cmp nginx_connections_accepted "$acc_s" 1
cmp nginx_connections_handled "$han_s" 1
cmp nginx_http_requests_total "$req_s" 1
# the exporter's own kept-alive connection waits once its scrape is done,
# so our later fetch sees it: one more active and waiting connection
cmp nginx_connections_active "$active_s" 1
cmp nginx_connections_reading "$rd" 0
cmp nginx_connections_writing "$wr" 0
cmp nginx_connections_waiting "$wt" 1
[ "$wt" -ge 1 ] && ok "the kept-alive connection is Waiting ($wt)" || bad "waiting $wt"
finish

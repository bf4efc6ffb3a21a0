#!/usr/bin/env bash
# prometheus-apache-exporter scrapes synq httpd's /server-status?auto and
# prometheus-nginx-exporter its /nginx_status, inside a private network
# namespace; their metrics must equal what the status pages say.
#   tests/interop/httpd_exporters.sh BUILD_DIR
set -uo pipefail

build=${1:-build/release}
synq=$(realpath "$build/synq")
. "$(dirname "$0")/lib/tally.sh"
need_root "network namespaces"
need ip prometheus-apache-exporter prometheus-nginx-exporter curl

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

. "$(dirname "$0")/lib/exporters.sh"
in_ns curl -s http://127.0.0.1:9117/metrics >"$dir/apache.prom"
in_ns curl -s "http://127.0.0.1:8090/server-status?auto" >"$dir/auto"
check_apache_exporter "$dir/apache.prom" "$dir/auto"
in_ns curl -s http://127.0.0.1:9113/metrics >"$dir/nginx.prom"
in_ns curl -s "http://127.0.0.1:8091/nginx_status" >"$dir/stub"
check_nginx_exporter "$dir/nginx.prom" "$dir/stub"
finish

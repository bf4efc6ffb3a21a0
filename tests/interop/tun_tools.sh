#!/usr/bin/env bash
# synq serve against real tools that watch or attack a web server, over TUN:
#   slowhttptest (Slowloris) against prefork with 40 slots: without
#   RequestReadTimeout every slot fills with R and stays so; with
#   RequestReadTimeout header=5-10 the slots fill, then the 408s free them
#   prometheus-apache-exporter and prometheus-nginx-exporter scrape synq's
#   /server-status?auto and /nginx_status at the TUN address; their metrics
#   equal the pages
#
#   tests/interop/tun_tools.sh BUILD_DIR
set -uo pipefail
build=${1:-build/release}

. "$(dirname "$0")/lib/serve.sh" ip curl slowhttptest prometheus-apache-exporter prometheus-nginx-exporter
. "$(dirname "$0")/lib/exporters.sh"

# slowloris RRT LABEL: R counts about a second apart while Slowloris runs (30 s)
# into $tmp/R-LABEL
slowloris() {
  local rrt=$1 label=$2
  start_serve "$tmp/serve-$label.log" --mpm prefork --set MaxRequestWorkers=40 \
    --set "RequestReadTimeout=$rrt"
  in_ns slowhttptest -H -c 60 -r 30 -i 4 -x 24 -p 3 -l 30 -u "$url/index.html" \
    >"$tmp/slow-$label.log" 2>&1 &
  local slow=$!
  : >"$tmp/R-$label"
  while kill -0 $slow 2>/dev/null; do
    sleep 1
    # a status request needs a slot too: with every slot taken it waits in
    # the accept queue, and the sample is "-"
    local sb
    sb=$(in_ns curl -s -m 0.9 "$url/server-status?auto" | sed -n 's/^Scoreboard: //p')
    if [ -n "$sb" ]; then echo -n "$sb" | tr -cd R | wc -c; else echo -; fi >>"$tmp/R-$label"
  done
  wait $slow
  stop_serve
}
slowloris "header=0 body=0" off
slowloris "header=5-10,MinRate=500 body=20,MinRate=500" on
# Full: a sample that could not get a slot ("-"), or one that shows every
# other slot in R.
full_off=$(awk '$1 == "-" || $1 >= 39' "$tmp/R-off" | wc -l)
total_off=$(wc -l <"$tmp/R-off")
[ "$total_off" -ge 10 ] && [ "$full_off" -ge $((total_off - 2)) ] &&
  ok "without RequestReadTimeout Slowloris fills every slot with R and holds them (R a second: $(tr '\n' ' ' <"$tmp/R-off"))" ||
  bad "Slowloris without RequestReadTimeout, R a second: $(tr '\n' ' ' <"$tmp/R-off")"
filled_on=$(head -8 "$tmp/R-on" | awk '$1 == "-" || $1 >= 35' | wc -l)
freed_on=$(tail -1 "$tmp/R-on" | awk '$1 != "-" && $1 < 5' | wc -l)
[ "$filled_on" -ge 1 ] && [ "$freed_on" = 1 ] &&
  ok "with RequestReadTimeout the R slots fill, then the 408s free them (R a second: $(tr '\n' ' ' <"$tmp/R-on"))" ||
  bad "Slowloris with RequestReadTimeout, R a second: $(tr '\n' ' ' <"$tmp/R-on")"

# --- the exporters over the TUN address ------------------------------------------
start_serve "$tmp/serve-exp.log" --mpm prefork --set MaxRequestWorkers=20
in_ns prometheus-apache-exporter --scrape_uri="$url/server-status?auto" \
  --telemetry.address=127.0.0.1:9117 >"$tmp/apache-exp.log" 2>&1 &
in_ns prometheus-nginx-exporter -nginx.scrape-uri "$url/nginx_status" \
  -web.listen-address 127.0.0.1:9113 >"$tmp/nginx-exp.log" 2>&1 &
sleep 1.5
for i in 1 2 3; do in_ns curl -s -o /dev/null "$url/"; done
in_ns bash -c "exec 3<>/dev/tcp/$addr/80; printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&3; sleep 15" &
in_ns bash -c "exec 3<>/dev/tcp/$addr/80; sleep 15" &
sleep 1
in_ns curl -s http://127.0.0.1:9117/metrics >"$tmp/apache.prom"
in_ns curl -s "$url/server-status?auto" >"$tmp/auto"
check_apache_exporter "$tmp/apache.prom" "$tmp/auto"
in_ns curl -s http://127.0.0.1:9113/metrics >"$tmp/nginx.prom"
in_ns curl -s "$url/nginx_status" >"$tmp/stub"
check_nginx_exporter "$tmp/nginx.prom" "$tmp/stub"
finish

# Compare what prometheus-apache-exporter and prometheus-nginx-exporter
# scraped with what synq httpd's pages said just after (sourced by the
# interop tests; the caller defines ok and bad).
#
#   check_apache_exporter METRICS_FILE AUTO_FILE
#   check_nginx_exporter METRICS_FILE STUB_STATUS_FILE

metric() { awk -v m="$1" '$1 == m {print $2}' "$2" | head -1; }

check_apache_exporter() {
  local prom=$1 auto=$2 up sb busy idle acc want
  up=$(metric apache_up "$prom")
  [ "$up" = 1 ] && ok "apache exporter reads ?auto (apache_up 1)" || bad "apache_up '$up'"
  sb=$(sed -n 's/^Scoreboard: //p' "$auto")
  # The exporter keeps its connection alive: when our fetch runs, that
  # connection's slot shows K, while during the exporter's own scrape it
  # was W (its request) and our fetch's slot was _. So the exporter saw our
  # scoreboard with one K turned into _.
  local pair state char got
  for pair in idle:_ read:R reply:W keepalive:K closing:C logging:L open_slot:.; do
    state=${pair%%:*} char=${pair#*:}
    got=$(metric "apache_scoreboard{state=\"$state\"}" "$prom")
    want=$(echo -n "$sb" | tr -cd "$char" | wc -c)
    case $char in _) want=$((want + 1)) ;; K) want=$((want - 1)) ;; esac
    [ "${got%.*}" = "$want" ] && ok "apache_scoreboard $state = $want" ||
      bad "apache_scoreboard $state: exporter '$got', ?auto $want ($sb)"
  done
  busy=$(metric 'apache_workers{state="busy"}' "$prom")
  idle=$(metric 'apache_workers{state="idle"}' "$prom")
  [ "${busy%.*}" = "$(( $(sed -n 's/^BusyWorkers: //p' "$auto") - 1 ))" ] && ok "apache_workers busy = BusyWorkers - 1 ($busy)" || bad "busy '$busy'"
  [ "${idle%.*}" = "$(( $(sed -n 's/^IdleWorkers: //p' "$auto") + 1 ))" ] && ok "apache_workers idle = IdleWorkers + 1 ($idle)" || bad "idle '$idle'"
  acc=$(metric apache_accesses_total "$prom")
  want=$(sed -n 's/^Total Accesses: //p' "$auto")
  # our own ?auto fetch came after the exporter's, and counts when logged
  [ "${acc%.*}" -le "$want" ] && [ "${acc%.*}" -ge $((want - 1)) ] &&
    ok "apache_accesses_total $acc (?auto: $want, one fetch later)" || bad "accesses '$acc' vs $want"
}

check_nginx_exporter() {
  local prom=$1 stub=$2 up acc_s han_s req_s active_s rd wr wt
  up=$(metric nginx_up "$prom")
  [ "$up" = 1 ] && ok "nginx exporter reads /nginx_status (nginx_up 1)" || bad "nginx_up '$up'"
  read -r acc_s han_s req_s < <(sed -n '3p' "$stub")
  active_s=$(sed -n 's/^Active connections: \([0-9]*\).*/\1/p' "$stub")
  read -r rd wr wt < <(sed -n 's/^Reading: \([0-9]*\) Writing: \([0-9]*\) Waiting: \([0-9]*\).*/\1 \2 \3/p' "$stub")
  nginx_cmp() {   # metric, expected, tolerance (our own fetch came later)
    local got
    got=$(metric "$1" "$prom")
    got=${got%.*}
    [ -n "$got" ] && [ "$got" -le "$2" ] && [ "$got" -ge $(($2 - $3)) ] &&
      ok "$1 = $got (stub_status $2)" || bad "$1: exporter '$got', stub_status $2"
  }
  nginx_cmp nginx_connections_accepted "$acc_s" 1
  nginx_cmp nginx_connections_handled "$han_s" 1
  nginx_cmp nginx_http_requests_total "$req_s" 1
  # the exporter's own kept-alive connection waits once its scrape is done,
  # so our later fetch sees it: one more active and waiting connection
  nginx_cmp nginx_connections_active "$active_s" 1
  nginx_cmp nginx_connections_reading "$rd" 0
  nginx_cmp nginx_connections_writing "$wr" 0
  nginx_cmp nginx_connections_waiting "$wt" 1
  [ "$wt" -ge 1 ] && ok "the kept-alive connection is Waiting ($wt)" || bad "waiting $wt"
}

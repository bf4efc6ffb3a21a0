#!/usr/bin/env bash
# synq serve against real clients: the stack and synq httpd on a TUN device
# in a namespace of the test's own, reached by curl, python, wrk, ab and
# hping3 run inside it with ip netns exec. Checks:
#   a page, and 100 MB down and up at once with sha256 equal both ways; the
#   same again over --link delay=20ms,loss=1%
#   2000 sequential connections, and TIME-WAIT on the side that closed first
#   wrk 10 s x 50 connections and ab -k: no socket errors, no failures
#   a bounded spoofed SYN flood from hping3 while curl fetches a page every
#   100 ms: every fetch succeeds with cookies on, SyncookiesSent rises,
#   peak resident memory reported
#   the namespace is gone after SIGTERM; bad options give one line
# At 1% loss and a 40 ms round trip TCP moves about MSS/RTT x 1.22/sqrt(p)
# = 0.44 MB/s (Mathis et al. 1997), so 100 MB takes about four minutes
# whatever the stack: the download and the upload run at the same time.
#
#   tests/interop/tun_serve.sh BUILD_DIR
set -uo pipefail
build=${1:-build/release}


. "$(dirname "$0")/lib/serve.sh" ip ss curl python3 wrk ab hping3 sha256sum

sha_of_pattern() { # the body of /bytes/N: byte i is i % 251
  python3 -c "
import hashlib, sys
n = int(sys.argv[1]); block = bytes(range(251)) * 4096; h = hashlib.sha256()
while n > 0:
    take = min(n, len(block)); h.update(block[:take]); n -= take
print(h.hexdigest())" "$1"
}

transfer_both_ways() { # BYTES LABEL: a GET and a PUT at the same time
  local n=$1 label=$2 limit=$(($1 / 200000 + 60))
  local want_get want_put got_get got_put
  want_get=$(sha_of_pattern "$n")
  head -c "$n" /dev/urandom >"$tmp/up.bin"
  want_put=$(sha256sum "$tmp/up.bin" | cut -c1-64)
  (in_ns curl -sf -m $limit "$url/bytes/$n" | sha256sum | cut -c1-64 >"$tmp/get.sha") &
  local get=$!
  got_put=$(in_ns curl -sf -m $limit -T "$tmp/up.bin" "$url/upload")
  wait $get
  got_get=$(cat "$tmp/get.sha")
  [ "$got_get" = "$want_get" ] && ok "$label: GET $n bytes, sha256 equal" || bad "$label: GET sha256 $got_get, want $want_get"
  [ "$got_put" = "bytes=$n sha256=$want_put" ] && ok "$label: PUT $n bytes, sha256 equal" || bad "$label: PUT answered '$got_put', want sha256 $want_put"
  rm -f "$tmp/up.bin" "$tmp/get.sha"
}

# --- bad options: one line, nothing created ---------------------------------
"$synq" serve --addr 10.0.0.1/24 >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && ok "--addr on the kernel's address: one line, exit 2" || bad "--addr 10.0.0.1/24 (rc $rc): $(cat "$tmp/e")"
"$synq" serve --link delay=fast >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && ok "--link delay=fast: one line, exit 2" || bad "--link (rc $rc): $(cat "$tmp/e")"

# --- a clean link --------------------------------------------------------------
start_serve "$tmp/serve1.log"
page=$(in_ns curl -sf -m 5 -o /dev/null -w '%{http_code} %{size_download}' "$url/")
[ "$page" = "200 100" ] && ok "GET / from a real curl: 200, 100 bytes" || bad "GET /: '$page'"
in_ns curl -sf -m 5 "$url/server-status?auto" | grep -q '^Scoreboard: ' && ok "/server-status?auto over the TUN" || bad "/server-status?auto"
transfer_both_ways 100000000 "clean link"

cat >"$tmp/seq.py" <<'EOF'
import socket, sys
addr, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
done = 0
for _ in range(n):
    s = socket.create_connection((addr, 80), timeout=5)
    if mode == 'client-closes':
        s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        got = b''
        while b'\r\n\r\n' not in got or len(got.split(b'\r\n\r\n', 1)[1]) < 100:
            chunk = s.recv(4096)
            if not chunk: break
            got += chunk
    else:
        s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        got = b''
        while True:
            chunk = s.recv(4096)
            if not chunk: break
            got += chunk
    if got.startswith(b'HTTP/1.1 200'): done += 1
    s.close()
print(done)
EOF
got=$(in_ns python3 "$tmp/seq.py" $addr 1000 client-closes)
tw=$(in_ns ss -Htan state time-wait dst $addr | wc -l)
[ "$got" = 1000 ] && [ "$tw" -ge 990 ] && ok "1000 connections closed by the client: all served, $tw TIME-WAIT on the client" ||
  bad "client closes first: $got served, $tw TIME-WAIT on the client"
got=$(in_ns python3 "$tmp/seq.py" $addr 1000 server-closes)
tw2=$(in_ns ss -Htan state time-wait dst $addr | wc -l)
[ "$got" = 1000 ] && [ "$tw2" -le "$tw" ] && ok "1000 more closed by the server (Connection: close): all served, no new TIME-WAIT on the client" ||
  bad "server closes first: $got served, client TIME-WAIT $tw -> $tw2"

stop_serve
grep -q '^synq serve: stopped' "$tmp/serve1.log" && ! ip netns list | grep -qw "$ns" &&
  ok "SIGTERM: synq serve stopped and removed the namespace it created" || bad "stop: $(tail -3 "$tmp/serve1.log"); $(ip netns list)"
tws=$(sed -n 's/.*time-wait \([0-9]*\)\/.*/\1/p' "$tmp/serve1.log")
[ "${tws:-0}" -ge 990 ] && [ "${tws:-0}" -le 1010 ] && ok "synq holds the TIME-WAIT of the 1000 connections it closed first ($tws)" || bad "synq's TIME-WAIT at stop: '${tws:-}'"

start_serve "$tmp/serve1b.log"
in_ns wrk -t 2 -c 50 -d 10s "$url/" >"$tmp/wrk.txt" 2>&1
if grep -q 'Requests/sec' "$tmp/wrk.txt" && ! grep -q 'Socket errors' "$tmp/wrk.txt" && ! grep -q 'Non-2xx' "$tmp/wrk.txt"; then
  ok "wrk 10 s x 50 connections: no socket errors ($(grep Requests/sec "$tmp/wrk.txt" | tr -s ' '))"
else
  bad "wrk: $(cat "$tmp/wrk.txt")"
fi
in_ns ab -q -k -n 20000 -c 50 "$url/" >"$tmp/ab.txt" 2>&1
if grep -q '^Failed requests: *0$' "$tmp/ab.txt" && grep -q '^Complete requests: *20000$' "$tmp/ab.txt"; then
  ok "ab -k 20000 x 50: no failures ($(grep 'Requests per second' "$tmp/ab.txt" | tr -s ' '))"
else
  bad "ab: $(grep -E 'Complete|Failed|Keep-Alive|Non-2xx' "$tmp/ab.txt")"
fi
stop_serve

# --- a lossy link ----------------------------------------------------------------
start_serve "$tmp/serve2.log" --link delay=20ms,loss=1%
transfer_both_ways 100000000 "delay=20ms,loss=1%"
stop_serve
grep -q 'lost [1-9]' "$tmp/serve2.log" && ok "the link lost packets as asked ($(grep '^synq serve: link' "$tmp/serve2.log" | cut -c20-))" || bad "link: $(tail -3 "$tmp/serve2.log")"

# --- a spoofed SYN flood, cookies on ------------------------------------------------
start_serve "$tmp/serve3.log" --set ListenBacklog=128
# spoofed sources from 10.201.128.0/17: inside synq's prefix, so synq's
# SYN-ACKs go to the kernel side, which has no such host and drops them.
in_ns timeout 30 hping3 -q -S -p 80 -i u40 -c 200000 --rand-source 10.201.0.2 >/dev/null 2>&1 &
flood=$!
okc=0 n=0
while kill -0 $flood 2>/dev/null && [ $n -lt 300 ]; do
  code=$(in_ns curl -s -m 3 -o /dev/null -w '%{http_code}' "$url/")
  n=$((n + 1)); [ "$code" = 200 ] && okc=$((okc + 1))
  sleep 0.1
done
wait $flood
stop_serve
sent=$(sed -n 's/.*TcpExtSyncookiesSent=\([0-9]*\).*/\1/p' "$tmp/serve3.log")
rss=$(sed -n 's/.*peak resident \([0-9]*\) kB.*/\1/p' "$tmp/serve3.log")
[ "$n" -ge 20 ] && [ "$okc" = "$n" ] && [ "${sent:-0}" -gt 1000 ] &&
  ok "200 000 spoofed SYNs: $okc/$n curls served, SyncookiesSent $sent, peak resident ${rss} kB" ||
  bad "flood: $okc/$n curls, SyncookiesSent '${sent:-}', log: $(tail -3 "$tmp/serve3.log")"
finish

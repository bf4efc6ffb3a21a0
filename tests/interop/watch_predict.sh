#!/usr/bin/env bash
# synq watch --predict against the real kernel, in a private network
# namespace with a known state:
#   :80   backlog 16, accepts and closes everything; SYN-flooded by hping3
#         from random sources whose SYN-ACKs vanish through a veth pair
#         towards a gateway MAC nobody owns (a silent peer)
#   :81   backlog 4, never accepts, filled by 6 real connects
# Checks: each listener gets one line, busiest first; the JSON carries the
# listener's real backlog (ss Send-Q) and says :81's application is not
# accepting; under the flood the measured unanswered rate is in the
# scenario, and the prediction follows the namespace's tcp_syncookies
# (cookies on: clients hold; off: they do not); a saved scenario runs under
# synq sim; bad flags get one error line.
#
#   tests/interop/watch_predict.sh BUILD_DIR
set -uo pipefail

build=${1:-build/release}
synq=$build/synq
. "$(dirname "$0")/lib/tally.sh"

need_root "network namespaces"
need ip ss hping3 python3
[ -x "$synq" ] || { bad "$synq not built"; finish; }

ns=synq-predict-$$
dev=synq-preda$(($$ % 10000))
peer=synq-predb$(($$ % 10000))
tmp=$(mktemp -d /tmp/synq-predict-test.XXXXXX)
cleanup() {
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

. "$(dirname "$0")/lib/silent_peer.sh"
silent_peer_ns "$ns" "$dev" "$peer" 10.78.0

cat >"$tmp/state.py" <<'EOF'
import socket, sys, threading, time
ready, hold = sys.argv[1], float(sys.argv[2])
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
a.bind(('0.0.0.0', 80)); a.listen(16)
def serve():
    while True:
        c, _ = a.accept(); c.close()
threading.Thread(target=serve, daemon=True).start()
s = socket.socket(); s.bind(('0.0.0.0', 81)); s.listen(4)
clients = []
for _ in range(6):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', 81))
    except BlockingIOError: pass
    clients.append(c)
time.sleep(0.5)
open(ready, 'w').write('ready\n')
time.sleep(hold)
EOF
in_ns python3 "$tmp/state.py" "$tmp/ready" 120 &
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
[ -s "$tmp/ready" ] || { bad "listeners did not start"; finish; }

# --- quiet: one line per listener, busiest first --------------------------
"$synq" watch --netns "$ns" --predict --interval 0.5 >"$tmp/quiet.txt" 2>"$tmp/quiet.err"
rc=$?
lines=$(grep -c "at 2x today's SYN rate" "$tmp/quiet.txt")
[ $rc = 0 ] && [ "$lines" = 2 ] && head -1 "$tmp/quiet.txt" | grep -q '^:81 ' &&
  grep -q '^:80 .*: holds$' "$tmp/quiet.txt" &&
  ok "one line per listener, the full :81 first, quiet :80 holds" ||
  bad "quiet prediction (rc $rc): $(cat "$tmp/quiet.txt" "$tmp/quiet.err")"
"$synq" watch --netns "$ns" --predict --predict-max 1 --interval 0.2 >"$tmp/max.txt" 2>&1
[ "$(grep -c 'at 2x' "$tmp/max.txt")" = 1 ] && grep -q '1 quieter listeners not predicted' "$tmp/max.txt" &&
  ok "--predict-max 1 predicts one and says what it left out" || bad "--predict-max: $(cat "$tmp/max.txt")"

"$synq" watch --netns "$ns" --predict --json --interval 0.5 --predict-save "$tmp/saved" >"$tmp/quiet.json" 2>&1
in_ns ss -Hltn >"$tmp/ltn"
python3 - "$tmp/quiet.json" "$tmp/ltn" <<'EOF' && ok "JSON: backlogs equal ss Send-Q; :81 not accepting, :80 accepting" || bad "JSON: $(cat "$tmp/quiet.json")"
import json, sys
j = json.load(open(sys.argv[1]))
sendq = {}
for line in open(sys.argv[2]):
    f = line.split()
    sendq[f[3].rsplit(':', 1)[1]] = int(f[2])
p = {x['listener'].rsplit(':', 1)[1]: x for x in j['predictions']}
assert set(p) == {'80', '81'}, p.keys()
for port in p:
    assert p[port]['predicted']['backlog'] == sendq[port], (port, sendq)
assert p['81']['today']['app_stalled'] is True
assert p['80']['today']['app_stalled'] is False
assert p['81']['predicted']['verdict'] != 'holds', p['81']
EOF
if [ -f "$tmp/saved/predict-1.ini" ] && "$synq" sim "$tmp/saved/predict-1.ini" --duration 2s >"$tmp/sim.txt" 2>&1; then
  ok "--predict-save keeps a scenario synq sim runs"
else
  bad "saved scenario: $(ls "$tmp/saved" 2>&1) $(tail -3 "$tmp/sim.txt" 2>/dev/null)"
fi

# --- under a spoofed flood, with and without cookies -----------------------
flood_predict() { # $1: tcp_syncookies, $2: output file
  in_ns sysctl -qw net.ipv4.tcp_syncookies="$1"
  in_ns timeout 15 hping3 -q -S -p 80 --rand-source -i u500 -c 14000 10.78.0.1 >/dev/null 2>&1 &
  local hp=$!
  sleep 1.5
  "$synq" watch --netns "$ns" --port 80 --predict --json --interval 2 --predict-duration 8 >"$2" 2>&1
  wait "$hp"
}
flood_predict 1 "$tmp/cookies.json"
flood_predict 0 "$tmp/nocookies.json"
python3 - "$tmp/cookies.json" "$tmp/nocookies.json" <<'EOF' && ok "flood: unanswered rate measured; cookies on holds, off does not" || bad "flood: $(cat "$tmp/cookies.json" "$tmp/nocookies.json")"
import json, sys
on = json.load(open(sys.argv[1]))['predictions'][0]
off = json.load(open(sys.argv[2]))['predictions'][0]
for p in (on, off):
    assert p['today']['unanswered_per_s'] > 300, p['today']
assert on['predicted']['syncookies_sent_per_s'] > 0, on
assert on['predicted']['verdict'] == 'holds', on
assert off['predicted']['syncookies_sent_per_s'] == 0, off
assert off['predicted']['listen_drops_per_s'] > 0, off
assert off['predicted']['verdict'] != 'holds', off
for name, p in (('cookies on', on), ('cookies off', off)):
    print('info: %s: today %.0f/s unanswered -> %.1f%% connect, p99 %.0f ms, %s' % (
        name, p['today']['unanswered_per_s'], 100 * p['predicted']['connected_fraction'],
        p['predicted']['connect_p99_ms'], p['predicted']['verdict']))
EOF

# --- bad flags ---------------------------------------------------------------
"$synq" watch --predict --predict-factor 0 >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc != 0 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q 'predict-factor' "$tmp/e" &&
  ok "--predict-factor 0: one error line" || bad "--predict-factor 0 (rc $rc): $(cat "$tmp/e")"
"$synq" watch --predict-factor 3 >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc != 0 ] && grep -q 'need --predict' "$tmp/e" &&
  ok "--predict-factor without --predict: refused" || bad "without --predict (rc $rc): $(cat "$tmp/e")"
"$synq" watch --predict --prom >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc != 0 ] && grep -q 'drop --prom' "$tmp/e" && ok "--predict --prom: refused" || bad "--predict --prom (rc $rc): $(cat "$tmp/e")"
finish

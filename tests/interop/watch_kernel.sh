#!/usr/bin/env bash
# synq watch against the real kernel, in a private network namespace with a
# known state:
#   :80        backlog 4, never accepts, filled by 10 real connects (5 get
#              in: backlog + 1; the 5 left in SYN-SENT are closed)
#   :81        backlog 16, never accepts, SYN-flooded by hping3 from random
#              sources; their SYN-ACKs leave through one end of a veth pair
#              towards a gateway MAC that nobody owns and vanish (a silent
#              peer), so the request queue fills (backlog + 1 = 17), and
#              the kernel's young/old pruning (reqsk_timer_handler()) then
#              expires the old ones after 7 s down to 8
#   :82        TCP_DEFER_ACCEPT 5 s (reads back 7), idle
#   [::1]:83   an IPv6 listener, idle
# Checks: while the flood runs, the warnings name a SYN flood on :81 and a
# full accept queue on :80; once it is over, every figure of
# `synq watch --once --json` equals what ss -ltn, ss -tan state syn-recv /
# established, nstat -az and sysctl say just before and just after (and
# those two agree); --prom and the --listen endpoint pass promtool; 10 000
# refreshes at no interval keep resident memory flat; colour only on a
# terminal and never with NO_COLOR; bad flags and names get one error line.
#
#   tests/interop/watch_kernel.sh BUILD_DIR
set -uo pipefail

build=${1:-build/release}
synq=$build/synq
. "$(dirname "$0")/lib/tally.sh"

need_root "network namespaces"
need ip ss nstat hping3 promtool python3 curl script
[ -x "$synq" ] || { bad "$synq not built"; finish; }

ns=synq-watch-$$
dev=synq-watcha$(($$ % 10000))    # interface names: 15 characters at most
peer=synq-watchb$(($$ % 10000))
tmp=$(mktemp -d /tmp/synq-watch-test.XXXXXX)
flood_pid=
cleanup() {
  # Every process in the namespace was started by this script.
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_ns() { ip netns exec "$ns" "$@"; }
# nstat keeps a history file; keep ours private and never update it.
export NSTAT_HISTORY=$tmp/nstat.history

. "$(dirname "$0")/lib/silent_peer.sh"
silent_peer_ns "$ns" "$dev" "$peer" 10.77.0

cat >"$tmp/state.py" <<'EOF'
import os, socket, sys, time
ready, hold = sys.argv[1], float(sys.argv[2])
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
a.bind(('0.0.0.0', 80)); a.listen(4)
f = socket.socket(); f.bind(('0.0.0.0', 81)); f.listen(16)
d = socket.socket(); d.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 5)
d.bind(('127.0.0.1', 82)); d.listen(8)
s6 = socket.socket(socket.AF_INET6); s6.bind(('::1', 83)); s6.listen(32)
clients = []
for _ in range(10):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', 80))
    except BlockingIOError: pass
    clients.append(c)
time.sleep(0.5)
kept = [c for c in clients if c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1]
for c in clients:
    if c not in kept: c.close()   # SYN-SENT: closing sends nothing
with open(ready, 'w') as out: out.write('%d %d\n' % (len(kept), os.getpid()))
time.sleep(hold)
EOF
in_ns python3 "$tmp/state.py" "$tmp/ready" 150 &
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
read -r kept helper_pid <"$tmp/ready"
[ "${kept:-}" = 5 ] && ok "5 of 10 clients completed into backlog 4" ||
  bad "clients established: ${kept:-none}"

# --- while the flood runs: the diagnosis -----------------------------------
in_ns timeout 20 hping3 -q -S -p 81 --rand-source -i u250 -c 16000 10.77.0.1 >/dev/null 2>&1 &
flood_pid=$!
sleep 1.5
"$synq" watch --netns "$ns" --once --json --interval 1 >"$tmp/flood.json" 2>"$tmp/flood.err"
rc=$?
[ $rc = 0 ] && ok "watch --once --json during the flood" || bad "watch exited $rc: $(cat "$tmp/flood.err")"
python3 - "$tmp/flood.json" <<'EOF' && ok "warnings during the flood: syn_flood on :81, accept_queue_full on :80, cookies/s > 0" || bad "warnings during the flood: $(cat "$tmp/flood.json")"
import json, sys
f = json.load(open(sys.argv[1]))
causes = {(w['cause'], w['port']) for w in f['warnings']}
assert ('syn_flood', 81) in causes, causes
assert ('accept_queue_full', 80) in causes, causes
assert ('accept_queue_full', 81) not in causes and ('syn_flood', 80) not in causes, causes
sent = f['counters']['TcpExtSyncookiesSent']
assert sent['per_s'] and sent['per_s'] > 0, sent
w = [w for w in f['warnings'] if w['cause'] == 'syn_flood' and w['port'] == 81][0]
assert 'cookies sent' in w['text'] and w['severity'] == 'critical', w
a = [w for w in f['warnings'] if w['cause'] == 'accept_queue_full'][0]
assert 'backlog 4 < somaxconn 4096' in a['knob'], a
EOF
wait "$flood_pid"; flood_pid=
# Let the kernel's pruning settle: the half-open count must hold still for
# three polls a second apart (it then holds until the 63 s expiry).
last=-1 still=0
for _ in $(seq 25); do
  n=$(in_ns ss -Htan state syn-recv | wc -l)
  if [ "$n" = "$last" ]; then still=$((still + 1)); else still=0; fi
  last=$n
  [ $still -ge 2 ] && break
  sleep 1
done

# --- quiescent: every figure against ss, nstat and sysctl -----------------
snapshot() {
  in_ns ss -Hltn >"$tmp/$1.ltn"
  in_ns ss -Htan state syn-recv >"$tmp/$1.synrecv"
  in_ns ss -Htan state established >"$tmp/$1.estab"
  in_ns nstat -asz >"$tmp/$1.nstat"
  for k in net.core.somaxconn net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_syncookies \
           net.ipv4.tcp_synack_retries net.ipv4.tcp_abort_on_overflow net.ipv4.tcp_max_tw_buckets; do
    echo "$k $(in_ns sysctl -n $k)"
  done >"$tmp/$1.sysctl"
}
snapshot before
"$synq" watch --netns "$ns" --once --json --interval 0 >"$tmp/still.json" 2>"$tmp/still.err" ||
  bad "watch --once --interval 0: $(cat "$tmp/still.err")"
snapshot after
same=1
for f in ltn synrecv estab nstat sysctl; do
  cmp -s "$tmp/before.$f" "$tmp/after.$f" || { same=0; diff "$tmp/before.$f" "$tmp/after.$f" | head -5; }
done
[ $same = 1 ] && ok "ss, nstat and sysctl unchanged across the sample" || bad "state moved during the sample"

python3 - "$tmp" "$helper_pid" <<'EOF'
import json, sys, collections
tmp, helper = sys.argv[1], int(sys.argv[2])
f = json.load(open(tmp + '/still.json'))
fails = []
def check(what, got, want):
    if got != want: fails.append('%s: watch %r, kernel %r' % (what, got, want))
def split(ep):
    addr, port = ep.rsplit(':', 1)
    return addr.strip('[]').split('%')[0], int(port)
def normal(addr):
    return {'*': '0.0.0.0'}.get(addr, addr)
# ss -ltn: State Recv-Q Send-Q Local Peer
ss = {}
for line in open(tmp + '/before.ltn'):
    st, rq, sq, local, peer = line.split()[:5]
    a, p = split(local)
    ss[(normal(a), p)] = (int(rq), int(sq))
watch = {(l['addr'], l['port']): l for l in f['listeners']}
check('listeners', sorted(watch), sorted(ss))
for key, (rq, sq) in ss.items():
    l = watch.get(key)
    if l:
        check('%s Recv-Q' % (key,), l['accept_queue'], rq)
        check('%s Send-Q' % (key,), l['accept_queue_limit'], sq)
def by_port(name):
    c = collections.Counter()
    n = 0
    for line in open(tmp + '/before.' + name):
        n += 1
        c[split(line.split()[2])[1]] += 1
    return c, n
syn, nsyn = by_port('synrecv')
est, nest = by_port('estab')
ports = {p for _, p in ss}
check('SYN-RECV total', f['sockets']['syn_recv'], sum(n for p, n in syn.items() if p in ports))
check('ESTABLISHED on listeners', f['sockets']['established'], sum(n for p, n in est.items() if p in ports))
for key, l in watch.items():
    check('%s syn_recv' % (key,), l['syn_recv'], syn.get(key[1], 0))
    check('%s established' % (key,), l['established'], est.get(key[1], 0))
nst = {}
for line in open(tmp + '/before.nstat'):
    if line.startswith('#'): continue
    parts = line.split()
    if len(parts) >= 2: nst[parts[0]] = int(parts[1])
check('counters', len(f['counters']), 12)
for name, c in f['counters'].items():
    check(name, c['value'], nst.get(name))
    check(name + ' delta', c['delta'], None)
sysctl = dict(line.split() for line in open(tmp + '/before.sysctl'))
check('sysctls', sorted(f['sysctl']), sorted(sysctl))
for k, v in f['sysctl'].items():
    check(k, v, int(sysctl.get(k, -1)))
check('listeners_overflow', f['listeners_overflow'], 0)
check(':82 TCP_DEFER_ACCEPT', watch[('127.0.0.1', 82)]['defer_accept_s'], 7)
check(':80 TCP_DEFER_ACCEPT', watch[('0.0.0.0', 80)]['defer_accept_s'], 0)
check(':80 owner', (watch[('0.0.0.0', 80)]['pid'], watch[('0.0.0.0', 80)]['comm']), (helper, 'python3'))
check('[::1]:83 family', watch[('::1', 83)]['family'], 'ipv6')
check(':80 figures', (watch[('0.0.0.0', 80)]['accept_queue'], watch[('0.0.0.0', 80)]['syn_recv']), (5, 0))
half = watch[('0.0.0.0', 81)]['syn_recv']
check(':81 half-open between 1 and backlog + 1', 1 <= half <= 17, True)
causes = sorted((w['cause'], w['port']) for w in f['warnings'])
check('warnings at rest', causes, [('accept_queue_full', 80)] + ([('syn_flood', 81)] if half == 17 else []))
print('\n'.join(fails) or 'all figures equal')
if fails: print(json.dumps(f['listeners']))
sys.exit(1 if fails else 0)
EOF
[ $? = 0 ] && ok "every figure equals ss -ltn, ss -tan state syn-recv/established, nstat -az, sysctl" ||
  bad "figures differ from the kernel's tools"

# --- tcp_syncookies=0 (this namespace only): the flood is dropped ------------
in_ns sysctl -qw net.ipv4.tcp_syncookies=0
in_ns timeout 10 hping3 -q -S -p 81 --rand-source -i u500 -c 4000 10.77.0.1 >/dev/null 2>&1 &
flood_pid=$!
sleep 1
"$synq" watch --netns "$ns" --once --json --interval 1 >"$tmp/nocookies.json" 2>&1
python3 - "$tmp/nocookies.json" <<'EOF' && ok "tcp_syncookies=0: syn_flood on :81 with SYNs dropped/s and the knob tcp_syncookies=1" || bad "no-cookie flood: $(cat "$tmp/nocookies.json")"
import json, sys
f = json.load(open(sys.argv[1]))
assert f['sysctl']['net.ipv4.tcp_syncookies'] == 0
w = [w for w in f['warnings'] if w['cause'] == 'syn_flood' and w['port'] == 81]
assert w and 'SYNs dropped' in w[0]['text'] and 'net.ipv4.tcp_syncookies=1' in w[0]['knob'], f['warnings']
assert f['counters']['TcpExtTCPReqQFullDrop']['per_s'] > 0
assert f['counters']['TcpExtSyncookiesSent']['delta'] == 0
EOF
wait "$flood_pid"; flood_pid=
in_ns sysctl -qw net.ipv4.tcp_syncookies=1

# --- --port -----------------------------------------------------------------
"$synq" watch --netns "$ns" --once --json --interval 0 --port 81 >"$tmp/port.json"
python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
assert [l["port"] for l in f["listeners"]] == [81] and f["port_filter"] == 81
assert f["sockets"]["listen"] == 1   # the kernel applied --port' "$tmp/port.json" && ok "--port 81 shows only :81" || bad "--port: $(cat "$tmp/port.json")"

# --- Prometheus ---------------------------------------------------------------
"$synq" watch --netns "$ns" --once --prom --interval 0 >"$tmp/metrics.txt"
if promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1; then
  ok "--prom passes promtool check metrics"
else
  bad "promtool: $(head -5 "$tmp/promtool.out")"
fi
grep -q '^synq_listen_queue_length{family="ipv4",addr="0.0.0.0",port="80",member="0"} 5$' "$tmp/metrics.txt" &&
  grep -q '^synq_tcpext_listen_overflows_total ' "$tmp/metrics.txt" &&
  grep -q '^synq_warning{cause="accept_queue_full",severity="critical",family="ipv4",addr="0.0.0.0",port="80",member="0"} 1$' "$tmp/metrics.txt" &&
  ok "--prom names: synq_listen_queue_length{port=...}, counters with _total, warnings" ||
  bad "--prom content"

port=9$(($$ % 900 + 100))
# Inside the namespace; the shell records the pid synq will run as.
(in_ns sh -c 'echo $$ >"$1"; exec "$2" watch --listen "$3"' sh "$tmp/listen.pid" "$synq" "127.0.0.1:$port" \
   >"$tmp/listen.out" 2>&1; echo $? >"$tmp/listen.rc") &
for _ in $(seq 50); do in_ns ss -Hltn "sport = :$port" | grep -q . && break; sleep 0.1; done
code=$(in_ns curl -s -o "$tmp/scrape.txt" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/metrics")
code404=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/")
kill "$(cat "$tmp/listen.pid")" 2>/dev/null
wait $!
lrc=$(cat "$tmp/listen.rc")
[ "$code" = 200 ] && promtool check metrics <"$tmp/scrape.txt" >/dev/null 2>&1 &&
  grep -q "synq_listen_queue_length{family=\"ipv4\",addr=\"127.0.0.1\",port=\"$port\",member=\"0\"}" "$tmp/scrape.txt" &&
  [ "$code404" = 404 ] && [ $lrc = 0 ] &&
  ok "--listen serves /metrics (200, promtool clean), 404 elsewhere, exits 0 on SIGTERM" ||
  bad "--listen: code $code, / $code404, exit $lrc, $(head -3 "$tmp/listen.out")"

# --- memory over 10 000 refreshes ----------------------------------------------
"$synq" watch --netns "$ns" --json --interval 0 --count 10000 >"$tmp/many.json" 2>"$tmp/many.err"
wrc=$?
python3 - "$tmp/many.json" >"$tmp/many.check" 2>&1 <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 10000, '%d lines of output' % len(lines)
first, warm, last = (json.loads(lines[i]) for i in (0, 99, -1))
rss = [first['watch']['rss_kib'], warm['watch']['rss_kib'], last['watch']['rss_kib']]
print('rss_kib refresh 1: %d, refresh 100: %d, refresh 10000: %d' % tuple(rss))
assert last['watch']['refresh'] == 10000
# flat after warming up: a leak of 2 bytes a refresh would add 20 KiB
assert rss[2] <= rss[1] + 16, 'grew from %d to %d KiB' % (rss[1], rss[2])
EOF
[ $? = 0 ] && [ $wrc = 0 ] && ok "10 000 refreshes at no interval: resident memory flat ($(tail -1 "$tmp/many.check"))" ||
  bad "memory over 10 000 refreshes: exit $wrc, $(tail -2 "$tmp/many.check" | tr '\n' ' ') $(head -c 300 "$tmp/many.err")"

# --- colour ---------------------------------------------------------------------
esc=$(printf '\033')
"$synq" watch --netns "$ns" --once --interval 0 >"$tmp/pipe.txt"
TERM=xterm script -qec "$synq watch --netns $ns --once --interval 0" /dev/null >"$tmp/tty.txt"
NO_COLOR=1 TERM=xterm script -qec "$synq watch --netns $ns --once --interval 0" /dev/null >"$tmp/nocolor.txt"
! grep -q "$esc" "$tmp/pipe.txt" && grep -q "$esc\[31m" "$tmp/tty.txt" && ! grep -q "$esc\[3[0-9]m" "$tmp/nocolor.txt" &&
  grep -q 'accept queue full on :80' "$tmp/nocolor.txt" &&
  ok "colour on a terminal only, none with NO_COLOR" || bad "colour rules"

# --- bad input: one line, right exit status ----------------------------------------
"$synq" watch --netns synq-watch-no-such-$$ --once >/dev/null 2>"$tmp/e1"; r1=$?
"$synq" watch --interval -1 >/dev/null 2>"$tmp/e2"; r2=$?
"$synq" watch --json --prom >/dev/null 2>"$tmp/e3"; r3=$?
"$synq" watch --bogus >/dev/null 2>"$tmp/e4"; r4=$?
[ $r1 = 1 ] && [ "$(wc -l <"$tmp/e1")" = 1 ] && grep -q "synq-watch-no-such-$$" "$tmp/e1" &&
  [ $r2 = 2 ] && grep -q -- '--interval' "$tmp/e2" && [ $r3 = 2 ] && [ $r4 = 2 ] &&
  ok "bad --netns (exit 1, one line naming it), bad flags (exit 2)" ||
  bad "errors: $r1 $r2 $r3 $r4: $(cat "$tmp/e1" "$tmp/e2")"

finish

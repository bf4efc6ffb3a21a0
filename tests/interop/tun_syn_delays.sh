#!/usr/bin/env bash
# Without SYN cookies and with a small backlog, a spoofed SYN flood makes
# real clients wait for their SYN retransmissions: curl through the TUN to
# synq serve sees connect times in steps (1, 2, 3, 4, 5 s, then 7, 11 s with
# Linux 6.18's tcp_syn_linear_timeouts = 4), and synq sim, given the same
# settings (tcp_syncookies 0, ListenBacklog 16, a 5 SYN/s flood from
# silent sources, 10 clients a second), predicts the same distribution. The
# check: every step's share of the real clients within 0.15 of the
# simulator's, and the total variation distance under 0.3.
#
#   tests/interop/tun_syn_delays.sh BUILD_DIR
set -uo pipefail

build=${1:-build/release}
synq=$(realpath "$build/synq")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() { echo "$pass passed, $fail failed"; exit $((fail > 0)); }

if [ "$(id -u)" != 0 ]; then echo "skip: not root (network namespaces, TUN)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; fi
if [ ! -c /dev/net/tun ]; then echo "skip: no /dev/net/tun on this machine"; echo "0 passed, 0 failed, 1 skipped"; exit 0; fi
for tool in ip curl hping3 python3; do
  command -v $tool >/dev/null || { bad "$tool missing (scripts/deps.sh)"; finish; }
done
. "$(dirname "$0")/lib/serve.sh"

probes=150   # one every 100 ms: 15 s
start_serve "$tmp/serve.log" --sysctl net.ipv4.tcp_syncookies=0 --set ListenBacklog=16
in_ns timeout 70 hping3 -q -S -p 80 -i u200000 --rand-source $addr >/dev/null 2>&1 &
flood=$!
sleep 2   # the SYN queue fills
for i in $(seq $probes); do
  in_ns curl -s -m 30 -o /dev/null -w '%{time_connect}\n' "$url/" >>"$tmp/real" 2>/dev/null &
  sleep 0.1
done
sleep 31   # the last curl gives up after 30 s
kill $flood 2>/dev/null
stop_serve

cat >"$tmp/sim.ini" <<EOF
[run]
duration = 49s
[kernel]
net.ipv4.tcp_syncookies = 0
[server]
ListenBacklog = 16
[attack.flood]
model = synflood
rate = 5/s
[clients.probe]
model = poisson
rate = 10/s
start = 2s
stop = 17s
timeout = 30s
EOF
"$synq" sim "$tmp/sim.ini" --out "$tmp/sim" >"$tmp/sim.txt" 2>&1 || { bad "synq sim: $(tail -3 "$tmp/sim.txt")"; finish; }

python3 - "$tmp/real" "$tmp/sim/connect_times.csv" "$tmp/sim.txt" <<'EOF' && ok "connect-time steps of real curls match the simulator's" || bad "connect-time steps differ"
import csv, sys
steps = [0, 1, 2, 3, 4, 5, 7, 11, 19]
def step(s):
    best = min(steps, key=lambda t: abs(t - s))
    return best if abs(best - s) < 0.6 else None
real = {}
n_real = 0
for line in open(sys.argv[1]):
    t = float(line)
    n_real += 1
    k = step(t) if t > 0 else 'never'
    real[k] = real.get(k, 0) + 1
sim = {}
n_sim = 0
for row in csv.DictReader(open(sys.argv[2])):
    if row['population'] != 'clients.probe': continue
    c = int(row['count']); s = (float(row['low_ms']) + float(row['high_ms'])) / 2000
    k = step(s)
    sim[k] = sim.get(k, 0) + c
    n_sim += c
for line in open(sys.argv[3]):
    if line.startswith('clients.probe'):
        f = line.split()
        sim['never'] = int(f[4])   # failed: gave up after 30 s
        n_sim += int(f[4])
keys = sorted(set(real) | set(sim), key=str)
tv = 0
worst = 0
print('step   real   sim')
for k in keys:
    r = real.get(k, 0) / n_real; s = sim.get(k, 0) / n_sim
    tv += abs(r - s) / 2; worst = max(worst, abs(r - s))
    print('%-6s %5.2f %5.2f' % (k, r, s))
print('clients: real %d, simulated %d; total variation %.2f, largest step difference %.2f' % (n_real, n_sim, tv, worst))
assert n_real >= 140 and n_sim >= 100
assert worst <= 0.15 and tv < 0.3
EOF
finish

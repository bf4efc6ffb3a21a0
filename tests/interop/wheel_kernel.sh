#!/usr/bin/env bash
# The timer wheel's bursts, on the kernel and in synq sim side by side.
# Thirty clients connect 1 ms apart to a listener with backlog 4 whose
# application accept()s one connection every 500 ms and holds it; the
# clients never send. On Linux (HZ=250) the SYNs dropped on the full accept
# queue are retransmitted together, and with tcp_syncookies=1 the burst's
# cookie ACKs meet a full accept queue: those clients are connected on their
# side and never accepted. The kernel runs the experiment in two namespaces
# (cookies on, off) over loopback; synq sim runs scenarios/timer_wheel_bursts.ini
# the same two ways, with the wheel and with exact timers. The counts
# (accepted by the application, connected on the client side) must agree
# with the kernel's with the wheel, and exact timers must not (the wheel is
# what makes the difference).
#
#   tests/interop/wheel_kernel.sh BUILD_DIR     (WHEEL_SECONDS=30: run length)
set -uo pipefail
build=${1:-build/release}
synq=$(realpath "$build/synq")
scenario=$(dirname "$0")/../../scenarios/timer_wheel_bursts.ini
secs=${WHEEL_SECONDS:-30}
. "$(dirname "$0")/lib/tally.sh"

need_root "network namespaces"
need ip python3

tmp=$(mktemp -d /tmp/synq-wheel-test.XXXXXX)
nss=()
cleanup() {
  for ns in "${nss[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# The experiment as a program on the kernel's sockets: prints
# "ACCEPTED CONNECTED" after SECONDS.
cat >"$tmp/bursts.py" <<'PY'
import socket, sys, threading, time
clients, gap, backlog, every, seconds = 30, 0.001, 4, 0.5, float(sys.argv[1])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 8080))
server.listen(backlog)
held = []
def application():
    server.settimeout(0.05)
    end = time.time() + seconds
    while time.time() < end:
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        held.append(conn)
        time.sleep(every)
app = threading.Thread(target=application)
app.start()
start, socks = time.time(), []
for i in range(clients):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(('127.0.0.1', 8080))
    socks.append(s)
    time.sleep(max(0.0, start + (i + 1) * gap - time.time()))
app.join()
connected = 0
for s in socks:
    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
        try:
            s.getpeername()
            connected += 1
        except OSError:
            pass
print(len(held), connected)
PY

for c in 1 0; do
  ns=synq-wheel$c-$$
  nss+=("$ns")
  ip netns add "$ns" && ip -n "$ns" link set lo up &&
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syncookies=$c ||
    { bad "namespace $ns"; finish; }
  timeout $((secs + 30)) ip netns exec "$ns" python3 "$tmp/bursts.py" "$secs" >"$tmp/kernel$c" 2>&1 &
done

# synq sim: accepted and connected out of the text summary.
sim() { # COOKIES HZ
  "$synq" sim "$scenario" --duration "${secs}s" --set kernel.net.ipv4.tcp_syncookies=$1 \
    --set kernel.kernel.hz=$2 --set kernel.clients.kernel.hz=$2 2>&1 |
    awk '/accept\(\)ed/ { a = $2 } /^clients.burst/ { c = $4 } END { print a, c }'
}
for c in 1 0; do
  sim $c 250 >"$tmp/wheel$c"
  sim $c 0 >"$tmp/exact$c"
done
wait

printf '%-16s %-18s %-18s %-18s\n' "tcp_syncookies" "kernel" "synq, HZ=250" "synq, exact"
for c in 1 0; do
  read -r ka kc <"$tmp/kernel$c"; read -r wa wc <"$tmp/wheel$c"; read -r ea ec <"$tmp/exact$c"
  printf '%-16s %-18s %-18s %-18s\n' "$c" "$ka of $kc" "$wa of $wc" "$ea of $ec"
done
echo "(accepted by the application of connected on the client side)"

for c in 1 0; do
  read -r ka kc <"$tmp/kernel$c"; read -r wa wc <"$tmp/wheel$c"
  # On an idle machine the kernel accepts 15 of 30 every time; a loaded one
  # shifts its timing by a few (11 seen with another experiment running).
  if [[ "$ka$kc" =~ ^[0-9]+$ ]] && [ "$kc" = "$wc" ] && [ $((wa - ka)) -le 5 ] && [ $((ka - wa)) -le 5 ]; then
    ok "tcp_syncookies=$c: synq with the wheel accepts $wa of $wc, the kernel $ka of $kc"
  else
    bad "tcp_syncookies=$c: synq with the wheel accepts $wa of $wc, the kernel '$ka' of '$kc' ($(head -c 200 "$tmp/kernel$c"))"
  fi
done
read -r ka kc <"$tmp/kernel1"; read -r ea ec <"$tmp/exact1"
if [[ "$ka" =~ ^[0-9]+$ ]] && [ "$ea" -ge $((ka + 5)) ]; then
  ok "exact timers accept $ea where the kernel accepts $ka: the wheel makes the difference"
else
  bad "exact timers accept $ea, the kernel $ka: the experiment does not show the wheel"
fi
finish

#!/usr/bin/env bash
# An experiment, run by hand (not a test): the connect times real clients
# see behind a slow spoofed SYN flood without cookies (tcp_syncookies 0,
# backlog 16, 5 SYNs/s from silent random sources, a curl every 100 ms for
# 15 s, each giving up after 30 s), three ways:
#   kernel  the Linux kernel serving, hping3 and curl in a second namespace
#           across a veth pair
#   serve   synq serve on a TUN device, the same hping3 and curl
#   sim     synq sim with the same settings
# hping3 -i and the curl loop are periodic, so the simulation's flood and
# probes are too (arrivals = even), at the periods and phase measured in
# the synq serve run: the flood's from serve's pcap, the probes' from the
# loop's own clock. The shell loop's period is not the 100 ms it sleeps
# (forking ip netns exec and curl adds 2-4 ms here), so over 150 probes
# the probes sweep the flood's 200 ms period about twice; a simulation at
# exactly 100 ms would hold one phase for all of them, and the outcome of
# a probe depends on where its SYN retransmissions fall against the
# flood's (which takes a freed slot first).
# It prints the share of clients per connect-time step (SYN retransmissions
# at 1, 2, 3, 4, 5, 7, 11, 19 s with Linux 6.18's tcp_syn_linear_timeouts)
# and the total variation distance of serve and sim from the kernel.
#
#   bash scripts/experiments/syn_flood_connect_times.sh build/release
set -uo pipefail
build=${1:-build/release}

. "$(dirname "$0")/../../tests/interop/lib/serve.sh" ip curl hping3 python3

probes=150   # one every 100 ms: 15 s
start_serve "$tmp/serve.log" --sysctl net.ipv4.tcp_syncookies=0 --set ListenBacklog=16 --pcap "$tmp/serve.pcap"
in_ns timeout 70 hping3 -q -S -p 80 -i u200000 --rand-source $addr >/dev/null 2>&1 &
flood=$!
sleep 2   # the SYN queue fills
for i in $(seq $probes); do
  date +%s.%N >>"$tmp/real.starts"
  in_ns curl -s -m 30 -o /dev/null -w '%{time_connect}\n' "$url/" >>"$tmp/real" 2>/dev/null &
  sleep 0.1
done
sleep 31   # the last curl gives up after 30 s
kill $flood 2>/dev/null
stop_serve

# --- the kernel itself -------------------------------------------------------
kc=synq-kcli-$$ ks=synq-ksrv-$$
ip netns add $kc && ip netns add $ks && ip -n $kc link set lo up && ip -n $ks link set lo up &&
  ip -n $kc link add kexp0 type veth peer name kexp1 netns $ks &&
  ip -n $kc addr add 10.207.0.1/24 dev kexp0 && ip -n $kc link set kexp0 up &&
  ip -n $ks addr add 10.207.0.2/24 dev kexp1 && ip -n $ks link set kexp1 up &&
  ip -n $ks route add default via 10.207.0.1 || { bad "kernel namespaces"; finish; }
trap 'for p in $(ip netns pids $ks 2>/dev/null) $(ip netns pids $kc 2>/dev/null); do kill $p 2>/dev/null; done; ip netns del $kc 2>/dev/null; ip netns del $ks 2>/dev/null; cleanup' EXIT
ip netns exec $ks sysctl -qw net.ipv4.tcp_syncookies=0
cat >"$tmp/kserver.py" <<'PY'
import socket
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
a.bind(('0.0.0.0', 80)); a.listen(16)
while True:
    c, _ = a.accept(); c.recv(1000)
    c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.close()
PY
ip netns exec $ks python3 "$tmp/kserver.py" &
sleep 0.5
ip netns exec $kc timeout 70 hping3 -q -S -p 80 -i u200000 --rand-source 10.207.0.2 >/dev/null 2>&1 &
sleep 2
for i in $(seq $probes); do
  ip netns exec $kc curl -s -m 30 -o /dev/null -w '%{time_connect}\n' http://10.207.0.2/ >>"$tmp/kernel" 2>/dev/null &
  sleep 0.1
done
sleep 31
ip netns exec $ks nstat -az TcpPassiveOpens TcpExtListenDrops TcpExtTCPReqQFullDrop \
  TcpExtListenOverflows TcpRetransSegs TcpExtTCPSynRetrans >"$tmp/kernel.nstat" 2>/dev/null

# The real loops' periods and phase: the flood's from serve's pcap, the
# probes' from the loop's clock.
steps=$(dirname "$0")/../../tests/interop/lib/connect_steps.py
python3 "$steps" scenario "$tmp/serve.pcap" "$tmp/real.starts" $probes 30 >"$tmp/sim.ini"
"$synq" sim "$tmp/sim.ini" --out "$tmp/sim" >"$tmp/sim.txt" 2>&1 || { bad "synq sim: $(tail -3 "$tmp/sim.txt")"; finish; }

python3 "$steps" table kernel="$tmp/kernel" serve="$tmp/real" sim="$tmp/sim/connect_times.csv:$tmp/sim.txt"

echo
echo "the kernel's counters (server namespace):"
grep -E '^Tcp' "$tmp/kernel.nstat" | awk '{printf "  %s %s\n", $1, $2}'
echo "synq serve's (its exit report):"
grep -iE 'PassiveOpens|ListenDrops|ReqQFullDrop|ListenOverflows|RetransSegs' "$tmp/serve.log" | sed 's/^/  /'
finish

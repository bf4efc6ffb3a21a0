#!/usr/bin/env bash
# synq's connection-tracking table against the kernel's own. Three
# namespaces: a client, a router doing masquerade with nftables, a server,
# joined by veth pairs. Six flows cross the router (each from its own
# client port): complete (held open), client closes first, server closes
# first, reset, a SYN to a port the server drops silently, and a half-open
# connection (the client never sees the SYN-ACK). The router's client-side
# packets are captured with tshark and replayed through `synq conntrack`;
# at the same instant `conntrack -L` lists the kernel's table. Each flow's
# state must be the same and its timeout within 1 s.
# Translation: a seventh flow comes from a second client address with the
# first flow's port, so masquerade must give it another. The packets that
# arrive at the router from either side are replayed through `synq
# conntrack --masquerade`; each flow's reply tuple (the public address and
# port the server answers) must be the kernel's: the client's own port
# where it is free, another one (any) for the seventh.
#
#   tests/interop/nat_kernel.sh BUILD_DIR
set -uo pipefail
build=${1:-build/release}
synq=$(realpath "$build/synq")
. "$(dirname "$0")/lib/tally.sh"

need_root "network namespaces"
need ip nft conntrack tshark python3

cl=synq-natc-$$ rt=synq-natr-$$ sv=synq-nats-$$
tmp=$(mktemp -d /tmp/synq-nat-test.XXXXXX)
cleanup() {
  for ns in $cl $rt $sv; do
    for p in $(ip netns pids $ns 2>/dev/null); do kill $p 2>/dev/null; done
  done
  wait 2>/dev/null
  for ns in $cl $rt $sv; do ip netns del $ns 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for ns in $cl $rt $sv; do ip netns add $ns || { bad "ip netns add"; finish; }; ip -n $ns link set lo up; done
ip -n $rt link add rc0 type veth peer name cr0 netns $cl &&
  ip -n $rt link add rs0 type veth peer name sr0 netns $sv &&
  ip -n $rt addr add 10.210.1.1/24 dev rc0 && ip -n $rt link set rc0 up &&
  ip -n $rt addr add 10.210.2.1/24 dev rs0 && ip -n $rt link set rs0 up &&
  ip -n $cl addr add 10.210.1.2/24 dev cr0 && ip -n $cl addr add 10.210.1.3/24 dev cr0 &&
  ip -n $cl link set cr0 up &&
  ip -n $cl route add default via 10.210.1.1 &&
  ip -n $sv addr add 10.210.2.2/24 dev sr0 && ip -n $sv link set sr0 up &&
  ip -n $sv route add default via 10.210.2.1 &&
  ip netns exec $rt sysctl -qw net.ipv4.ip_forward=1 || { bad "topology"; finish; }
ip netns exec $rt nft -f - <<'EOF' || { bad "nft masquerade"; finish; }
table ip synqnat {
  chain pre { type nat hook prerouting priority -100; iifname "rs0" tcp dport 8080 dnat to 10.210.1.2:80; }
  chain post { type nat hook postrouting priority 100; oifname "rs0" masquerade; }
}
EOF
# the silent port, and the SYN-ACK the half-open client never sees
ip netns exec $sv nft add table ip synqdrop &&
  ip netns exec $sv nft add chain ip synqdrop in '{ type filter hook input priority 0; }' &&
  ip netns exec $sv nft add rule ip synqdrop in tcp dport 9 drop &&
  ip netns exec $cl nft add table ip synqdrop &&
  ip netns exec $cl nft add chain ip synqdrop in '{ type filter hook input priority 0; }' &&
  ip netns exec $cl nft add rule ip synqdrop in tcp dport 41006 drop || { bad "nft drop rules"; finish; }

ip netns exec $rt tshark -q -i rc0 -f tcp -l -T fields -e frame.time_epoch -e ip.src \
  -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags >"$tmp/packets" 2>"$tmp/tshark.err" &
tshark_pid=$!
# what arrives at the router: from the clients, and the server's answers
# (a capture filter before the first -i is every interface's)
ip netns exec $rt tshark -q \
  -f 'tcp and (src net 10.210.1.0/24 or (src host 10.210.2.2 and dst host 10.210.2.1))' \
  -i rc0 -i rs0 -l -T fields -e frame.time_epoch -e ip.src \
  -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags \
  >"$tmp/arriving" 2>"$tmp/tshark2.err" &
tshark2_pid=$!
sleep 2

cat >"$tmp/server.py" <<'EOF'
import socket, threading
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
a.bind(('0.0.0.0', 80)); a.listen(16)
def serve(c):
    while True:
        d = c.recv(100)
        if not d or b'close' in d:
            c.close(); return
while True:
    c, _ = a.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
ip netns exec $sv python3 "$tmp/server.py" 2>/dev/null &
ip netns exec $cl python3 "$tmp/server.py" 2>/dev/null &   # behind the port forward
sleep 0.5
cat >"$tmp/client.py" <<'EOF'
import socket, struct, sys, time
srv = '10.210.2.2'
def conn(port, dport=80, block=True, addr='10.210.1.2'):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    if block:
        s.connect((srv, dport))
    else:
        s.setblocking(False)
        try: s.connect((srv, dport))
        except BlockingIOError: pass
    return s
keep = []
s = conn(41001); s.sendall(b'hello'); keep.append(s)                  # complete
s = conn(41002); s.sendall(b'x'); time.sleep(0.2); s.close()          # client closes first
s = conn(41003); s.sendall(b'close'); s.recv(10); time.sleep(0.2); s.close()  # server first
s = conn(41004); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()  # reset
keep.append(conn(41005, 9, block=False))                               # silent port
keep.append(conn(41006, 80, block=False))                              # half-open
s = conn(41001, addr='10.210.1.3'); s.sendall(b'hello'); keep.append(s)  # port taken
open(sys.argv[1] + '.clients', 'w').write('ready\n')
time.sleep(30)
EOF
ip netns exec $cl python3 "$tmp/client.py" "$tmp/ready" &
for _ in $(seq 50); do [ -s "$tmp/ready.clients" ] && break; sleep 0.1; done
# the forwarded flow, from the outside
ip netns exec $sv python3 - "$tmp/ready" <<'EOF' &
import socket, sys, time
s = socket.socket(); s.bind(('10.210.2.2', 42001)); s.connect(('10.210.2.1', 8080))
s.sendall(b'hello')
open(sys.argv[1], 'w').write('ready\n')
time.sleep(30)
EOF
for _ in $(seq 50); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
sleep 2
now=$(date +%s.%N)
ip netns exec $rt conntrack -L -p tcp >"$tmp/kernel" 2>/dev/null
sleep 1
kill $tshark_pid $tshark2_pid; wait $tshark_pid $tshark2_pid 2>/dev/null
grep -v "10.210.1.3" "$tmp/packets" >"$tmp/packets1"
# two interfaces' packets come out of tshark in per-interface batches
sort -n -o "$tmp/arriving" "$tmp/arriving"
"$synq" conntrack --now "$now" "$tmp/packets1" >"$tmp/synq" 2>"$tmp/synq.err" ||
  { bad "synq conntrack: $(cat "$tmp/synq.err")"; finish; }
"$synq" conntrack --now "$now" --masquerade 10.210.2.1 --inside 10.210.1.0/24 \
  --forward 8080=10.210.1.2:80 "$tmp/arriving" >"$tmp/synq_nat" 2>"$tmp/synq_nat.err" ||
  { bad "synq conntrack --masquerade: $(cat "$tmp/synq_nat.err")"; finish; }

while read -r verdict rest; do
  case $verdict in ok:) ok "$rest" ;; FAIL:) bad "$rest" ;; esac
done < <(python3 - "$tmp/kernel" "$tmp/synq" "$tmp/synq_nat" 2>&1 <<'EOF'
import re, sys
def table(path, client='10.210.1.2'):
    t = {}
    for line in open(path):
        f = line.split()
        if len(f) < 4 or f[0] != 'tcp' or ('src=%s ' % client) not in line: continue
        sport = int(re.search(r'sport=(\d+)', line).group(1))
        t[sport] = (f[3], int(f[2]))
    return t
def ks_fwd(path):
    for line in open(path):
        if 'sport=42001' in line and line.startswith('tcp'):
            return line.split()[3], re.findall(r'src=(\S+)', line)[1]
def replies(path):
    t = {}
    for line in open(path):
        m = re.search(r'src=(\S+) dst=\S+ sport=(\d+) dport=\d+ .*src=\S+ dst=(\S+) sport=\d+ dport=(\d+)', line)
        if m and line.startswith('tcp'):
            t[(m.group(1), int(m.group(2)))] = (m.group(3), int(m.group(4)))
    return t
k, s = table(sys.argv[1]), table(sys.argv[2])
kr, sr = replies(sys.argv[1]), replies(sys.argv[3])
for key in sorted(kr):
    kp, sp = kr.get(key), sr.get(key)
    if key == ('10.210.2.2', 42001):
        good = kp == sp == ('10.210.2.2', 42001) and ks_fwd(sys.argv[1]) == ks_fwd(sys.argv[3])
        what = 'port forward to 10.210.1.2:80'
    elif key == ('10.210.1.3', 41001):
        good = kp is not None and sp is not None and kp[0] == sp[0] == '10.210.2.1' and \
            kp[1] != 41001 and sp[1] != 41001 and sp[1] >= 1024
        what = 'port taken, masquerade picks another'
    else:
        good = kp == sp
        what = 'masquerade keeps the port'
    print('%s %s:%d %s: kernel answers to %s, synq to %s' % ('ok:' if good else 'FAIL:', key[0], key[1], what, kp, sp))
names = {41001: 'complete', 41002: 'client closes first', 41003: 'server closes first',
         41004: 'reset', 41005: 'silent port', 41006: 'half-open'}
for port, name in names.items():
    ks, ss = k.get(port), s.get(port)
    good = ks is not None and ss is not None and ks[0] == ss[0] and abs(ks[1] - ss[1]) <= 1
    print('%s %s: kernel %s, synq %s' % ('ok:' if good else 'FAIL:', name, ks, ss))
EOF
)
finish

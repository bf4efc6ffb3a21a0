#!/usr/bin/env bash
# tun_conns_per_s: short HTTP connections (ab without keep-alive: one
# connection per request, 8 at a time) from the kernel's client through the
# TUN device to synq serve; kernel_veth_conns_per_s: the same ab run against
# synq httpd --kernel (the host kernel serving the same 100 bytes) in a
# second namespace across a veth pair. Alternated, three runs each, medians.
#
#   bench/bench_tun.sh BUILD_DIR
set -uo pipefail
build=${1:-build/release}
synq=$(realpath "$build/synq")
if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
  echo "bench_tun: skipped (needs root and /dev/net/tun)"; exit 0
fi
command -v ab >/dev/null || { echo "bench_tun: ab missing (scripts/deps.sh)"; exit 1; }

tun_ns=synq-btun-$$ cli_ns=synq-bcli-$$ srv_ns=synq-bsrv-$$
tmp=$(mktemp -d /tmp/synq-bench-tun.XXXXXX)
pids=
cleanup() {
  for p in $pids; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$cli_ns" 2>/dev/null; ip netns del "$srv_ns" 2>/dev/null
  ip netns del "$tun_ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$synq" serve --netns "$tun_ns" --addr 10.203.0.2/24 --set MaxRequestWorkers=64 \
  --set KeepAlive=Off >"$tmp/serve.log" 2>&1 &
pids="$pids $!"
ip netns add "$cli_ns" && ip netns add "$srv_ns" &&
  ip -n "$cli_ns" link set lo up && ip -n "$srv_ns" link set lo up &&
  ip -n "$cli_ns" link add bveth0 type veth peer name bveth1 netns "$srv_ns" &&
  ip -n "$cli_ns" addr add 10.204.0.1/24 dev bveth0 && ip -n "$cli_ns" link set bveth0 up &&
  ip -n "$srv_ns" addr add 10.204.0.2/24 dev bveth1 && ip -n "$srv_ns" link set bveth1 up ||
  { echo "bench_tun: cannot build the veth namespaces"; exit 1; }
ip netns exec "$srv_ns" "$synq" httpd --kernel --listen 10.204.0.2:80 \
  --set MaxRequestWorkers=64 --set KeepAlive=Off 2>"$tmp/httpd.err" &
pids="$pids $!"
for _ in $(seq 50); do grep -q '^synq serve: http' "$tmp/serve.log" && break; sleep 0.1; done
sleep 0.5

rate() { # NS URL
  ip netns exec "$1" ab -q -n 20000 -c 8 "$2" 2>/dev/null |
    awk '/^Requests per second/ {print int($4)} /^Failed requests/ && $3 != 0 {print "FAILED" > "/dev/stderr"}'
}
median() { sort -n | sed -n 2p; }
: >"$tmp/tun"; : >"$tmp/veth"
for _ in 1 2 3; do
  rate "$tun_ns" http://10.203.0.2/ >>"$tmp/tun"
  rate "$cli_ns" http://10.204.0.2/ >>"$tmp/veth"
done
tun=$(median <"$tmp/tun") veth=$(median <"$tmp/veth")
[ -n "$tun" ] && [ -n "$veth" ] && [ "$veth" -gt 0 ] || { echo "bench_tun: runs failed: tun '$(cat "$tmp/tun")' veth '$(cat "$tmp/veth")'"; exit 1; }
echo "bench_tun: ab -n 20000 -c 8 (no keep-alive), medians of 3: synq over TUN $(tr '\n' ' ' <"$tmp/tun")/s; kernel over veth $(tr '\n' ' ' <"$tmp/veth")/s"
echo "bench: kernel_veth_conns_per_s $veth conns/s"
echo "bench: tun_conns_per_s $tun conns/s vs kernel_veth_conns_per_s $(awk -v a="$tun" -v b="$veth" 'BEGIN {printf "%.2f", a / b}')"

# The pieces every synq serve test needs, sourced with the build directory
# as $1 of the script and the tools it needs as arguments:
#   . tests/interop/lib/serve.sh curl wrk ...
# It defines ok, bad and finish (the "N passed, M failed" line), skips in
# one line where synq serve cannot run (not root, no /dev/net/tun), checks
# the tools, and gives a namespace name of its own, a scratch directory,
# start_serve LOG [options] that returns once synq answers, stop_serve, and
# a trap that tears everything down even when the test fails.
build=${build:-build/release}
synq=$(realpath "$build/synq")
. "$(dirname "${BASH_SOURCE[0]}")/tally.sh"

need_root "network namespaces, TUN"
if [ ! -c /dev/net/tun ]; then echo "skip: no /dev/net/tun on this machine"; echo "0 passed, 0 failed, 1 skipped"; exit 0; fi
need ip "$@"
ns=synq-tun-$$
addr=10.201.0.2
url=http://$addr
tmp=$(mktemp -d /tmp/synq-tun-test.XXXXXX)
serve_pid=
stop_serve() {
  [ -n "$serve_pid" ] || return 0
  kill -TERM "$serve_pid" 2>/dev/null
  wait "$serve_pid" 2>/dev/null
  serve_pid=
}
cleanup() {
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  stop_serve
  ip netns del "$ns" 2>/dev/null
  [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

# start_serve LOG [synq serve options]: returns once synq answers.
start_serve() {
  local log=$1; shift
  "$synq" serve --netns "$ns" --addr $addr/24 "$@" >"$log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 50); do
    grep -q '^synq serve: http://' "$log" 2>/dev/null && return 0
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  bad "synq serve did not start: $(cat "$log")"
  finish
}


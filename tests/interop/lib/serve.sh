# The pieces every synq serve test needs (sourced; the caller defines ok,
# bad, finish and synq): a namespace name of its own, a scratch directory,
# start_serve LOG [options] that returns once synq answers, stop_serve, and
# a trap that tears everything down even when the test fails.
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


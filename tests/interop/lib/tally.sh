# ok/bad/finish for an interop script (sourced): each check prints one
# line, and finish prints the "N passed, M failed" line the CI reads and
# exits non-zero if anything failed.
#   need_root WHY   skips the whole script in one line when not root (a
#                   namespace or a TUN device cannot exist without it)
#   need TOOL...    a tool scripts/deps.sh installs: missing is a failure,
#                   never a skip
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() { echo "$pass passed, $fail failed"; exit $((fail > 0)); }
need_root() {
  [ "$(id -u)" = 0 ] && return 0
  echo "skip: not root ($*)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
      { bad "$tool missing (scripts/deps.sh installs it)"; finish; }
  done
}

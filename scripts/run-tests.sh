#!/usr/bin/env bash
# Run the tests and close with one "N passed, M failed" line.
#   run-tests.sh BUILD_DIR TEST...        run the given binaries
#   run-tests.sh --both DIR1 DIR2         every binary in DIR/tests of each,
#                                         then every tests/interop/*.sh once
#                                         with DIR1 (the release build)
# A test is a cmocka binary, or an executable script that ends with a
# "N passed, M failed" line of its own (tests/interop/: real tools, real
# kernels in namespaces). Lines starting "skip:" are shown.
set -uo pipefail

if [ "${1:-}" = --both ]; then
  shift
  bins=()
  for d in "$@"; do
    for t in "$d"/tests/test_*; do [ -x "$t" ] && bins+=("$t"); done
  done
  for t in tests/interop/*.sh; do [ -x "$t" ] && bins+=("$t"); done
  interop_build=$1
else
  interop_build=$1
  shift
  bins=("$@")
fi

passed=0 failed=0 skipped=0 broken=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${bins[@]}"; do
  start=$(date +%s)
  case $t in
    *.sh) "$t" "$interop_build" >"$log" 2>&1 ;;
    *) "$t" >"$log" 2>&1 ;;
  esac
  rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
  case $t in
    *.sh)
      p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$log" | tail -n1)
      f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$log" | tail -n1)
      s=$(sed -n 's/^[0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p' "$log" | tail -n1) ;;
  esac
  p=${p:-0} f=${f:-0} s=${s:-0}
  if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi   # crashed or sanitizer report
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  printf '%-44s %3d passed %3d failed %3d skipped  (%ds)\n' "$t" "$p" "$f" "$s" $(( $(date +%s) - start ))
  if [ "$f" != 0 ]; then
    broken+=("$t")
    sed 's/^/    | /' "$log" | grep -v '^    | \[ *\(RUN\|OK\) *\]' | tail -n 60
  fi
  grep -h '^\[  SKIPPED \]\|skip:' "$log" | grep -v 'test(s)' | sed 's/^/    /' || true
done
[ ${#broken[@]} -gt 0 ] && printf 'failing: %s\n' "${broken[*]}"
echo "$passed passed, $failed failed${skipped:+, $skipped skipped}"
[ "$failed" = 0 ]

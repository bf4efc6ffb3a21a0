#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The programs in examples/ (built by make against include/ alone): each
# must run to its own success check and exit 0.
#   examples.sh BUILD_DIR
set -uo pipefail
build=${1:-build/release}
passed=0 failed=0
for src in examples/*.c; do
  name=$(basename "$src" .c)
  bin=$build/examples/$name
  if [ ! -x "$bin" ]; then
    echo "FAILED: $name: $bin not built"; failed=$((failed + 1)); continue
  fi
  if out=$(timeout 120 "$bin" 2>&1); then
    echo "ok: $name: $(echo "$out" | tail -n1)"; passed=$((passed + 1))
  else
    echo "FAILED: $name"; echo "$out" | sed 's/^/    /'; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

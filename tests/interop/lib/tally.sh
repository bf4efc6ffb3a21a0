# ok/bad/finish for an interop script (sourced): each check prints one
# line, and finish prints the "N passed, M failed" line the CI reads and
# exits non-zero if anything failed.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() { echo "$pass passed, $fail failed"; exit $((fail > 0)); }

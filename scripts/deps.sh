#!/usr/bin/env bash
# Make sure the Debian packages synq builds and tests with are present.
# As root: install what is missing. Otherwise: print the exact apt-get line.
set -euo pipefail

# package          why
packages=(
  gcc              # the compiler (C11)
  make             # this build
  libcmocka-dev    # unit-test runner
  tshark           # external validator of the pcaps we write
  clang            # libFuzzer builds (make fuzz)
  libclang-rt-14-dev # libFuzzer and sanitizer runtimes for clang
  iproute2         # network namespaces for interop tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "synq needs these Debian packages; as root run:" >&2
  echo "  $line" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
$line >&2

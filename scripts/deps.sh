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
  clang-19         # libFuzzer builds (make fuzz): 19's libFuzzer runs stack_input ~2.5x faster than 14's
  libclang-rt-19-dev # libFuzzer and sanitizer runtimes for clang 19
  iproute2         # network namespaces for interop tests
  libinih-dev      # scenario files (INI) for synq sim
  gnuplot-nox      # report plots (SVG, PNG)
  libmnl-dev       # netlink (inet_diag) for synq watch
  nettle-dev       # SHA-256 of PUT bodies in synq httpd
  parallel         # synq sweep across hosts
  curl             # real HTTP client for interop tests
  wrk              # real load generator
  apache2-utils    # ab, a second real load generator
  apache2          # real Apache 2.4 to compare httpd's scoreboard against
  nginx            # real nginx to compare against (bench, stub_status)
  slowhttptest     # real Slowloris
  hping3           # real SYN floods (inside a namespace only)
  nftables         # the kernel's own NAT, to compare conntrack against
  conntrack        # reads the kernel's conntrack table
  prometheus-apache-exporter # scrapes /server-status?auto
  prometheus-nginx-exporter  # scrapes /nginx_status
  prometheus       # promtool, checks synq watch --prom output
  python3          # synq watch's interop test: listeners and clients with a known state
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
# Servers (apache2, nginx) must not start on the host when installed: the
# tests start their own, inside namespaces. policy-rc.d forbids the start.
guard=/usr/sbin/policy-rc.d
made_guard=
if [ ! -e "$guard" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod +x "$guard" && made_guard=1
fi
apt-get update -qq >&2
$line >&2
[ -n "$made_guard" ] && rm -f "$guard"
exit 0

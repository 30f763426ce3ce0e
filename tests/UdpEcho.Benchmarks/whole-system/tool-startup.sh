#!/usr/bin/env bash
# Whole-command time of `udpecho send`, the native tool against the framework-dependent one, both installed from the
# packed packages with `dotnet tool install --tool-path` as a user would: UdpEcho.Tool (which the CLI resolves to
# UdpEcho.Tool.linux-x64, Native AOT, on this platform) and UdpEcho.Tool.any (the framework-dependent fallback).
# Each round runs both, alternating which goes first, against the C reference echo server (cecho plain), so that
# machine noise hits both alike. Prints each one's median wall time and round trip, and the ratio of the medians.
#   tests/UdpEcho.Benchmarks/whole-system/tool-startup.sh [ROUNDS=7] [PACKAGES-FOLDER]
# Without a packages folder it packs the tool first (`dotnet pack src/UdpEcho.Tool -c Release`, about a minute).
# Needs bash, gcc, clang and zlib1g-dev (for Native AOT), the .NET 10 SDK and Linux x64. Sends only to 127.0.0.1.
set -euo pipefail
rounds=${1:-7}
packages=${2:-}
source "$(dirname "$0")/common.sh"

gcc -O2 -o "$work/cecho" "$here/cecho.c"
if [ -z "$packages" ]; then
  echo "packing the tool (Release, Native AOT for linux-x64) ..." >&2
  packages="$work/packages"
  dotnet pack "$root/src/UdpEcho.Tool" -c Release -o "$packages" --nologo -v quiet >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; exit 1; }
fi
version=$(ls "$packages" | sed -n 's/^UdpEcho\.Tool\.any\.\(.*\)\.nupkg$/\1/p' | head -n1)
[ -n "$version" ] || { echo "$(basename "$0"): no UdpEcho.Tool.any package in $packages" >&2; exit 1; }

# A private NuGet cache, so that no stale package of the same version is installed instead.
export NUGET_PACKAGES="$work/nuget-cache"
for package in UdpEcho.Tool UdpEcho.Tool.any; do
  dotnet tool install --tool-path "$work/$package" --add-source "$packages" --version "$version" "$package" >/dev/null
done
native="$work/UdpEcho.Tool/udpecho"
portable="$work/UdpEcho.Tool.any/udpecho"
[ -L "$native" ] && [[ $(readlink "$native") == *linux-x64* ]] || { echo "$(basename "$0"): UdpEcho.Tool did not install the linux-x64 package" >&2; exit 1; }

port=$(free_port)
start "$port" "$work/cecho" plain "$port"

# run TOOL OUT: one `udpecho send`; appends its wall time in ms and the round trip it reported (ms) to OUT.
run() {
  local started ended line
  started=$(date +%s%N)
  line=$("$1" send "127.0.0.1:$port" hello)
  ended=$(date +%s%N)
  echo "$(( (ended - started) / 1000 )) $(sed -n 's/.* in \([0-9.]*\) ms:.*/\1/p' <<<"$line")" >>"$2"
}

# One untimed run each, so that neither pays for a cold page cache.
run "$native" /dev/null
run "$portable" /dev/null
for round in $(seq "$rounds"); do
  if (( round % 2 )); then run "$native" "$work/native"; run "$portable" "$work/portable"; else run "$portable" "$work/portable"; run "$native" "$work/native"; fi
done

wall() { awk '{ print $1 / 1000 }' "$1" | median; }
rtt() { awk '{ print $2 }' "$1" | median; }
native_wall=$(wall "$work/native")
portable_wall=$(wall "$work/portable")
echo "udpecho send, $rounds interleaved rounds, medians (UdpEcho.Tool $version):"
printf '  native (UdpEcho.Tool.linux-x64, Native AOT):  %8.1f ms wall, round trip %s ms\n' "$native_wall" "$(rtt "$work/native")"
printf '  framework-dependent (UdpEcho.Tool.any):        %8.1f ms wall, round trip %s ms\n' "$portable_wall" "$(rtt "$work/portable")"
awk -v n="$native_wall" -v p="$portable_wall" 'BEGIN { printf "  ratio native / framework-dependent: %.3fx\n", n / p }'

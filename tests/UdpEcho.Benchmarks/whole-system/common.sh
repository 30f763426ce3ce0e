# Shared by the whole-system scripts (source it; not run on its own): a temporary work directory, removed on exit
# with every process started through `start`; build_references, which builds the C reference programs, the udpecho
# tool and the benchmarks exe into it; free loopback ports and a start that waits until a server listens.
# Sends nothing itself.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  # The paused `cecho spin` acts on SIGTERM only once continued.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; kill -CONT "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_references: the C reference programs, the udpecho tool and the benchmarks exe (for its naive .NET loop), in
# Release, into $work.
build_references() {
  echo "building cecho, cflood, udpecho and the naive .NET loop (Release) ..." >&2
  gcc -O2 -o "$work/cecho" "$here/cecho.c"
  gcc -O2 -o "$work/cflood" "$here/cflood.c"
  for project in src/UdpEcho.Tool tests/UdpEcho.Benchmarks; do
    if ! dotnet build "$root/$project" -c Release --nologo -v quiet -o "$work/$(basename "$project")" >"$work/build.log" 2>&1; then
      cat "$work/build.log" >&2
      exit 1
    fi
  done
}

# A port that nothing listens on, below Linux's ephemeral range (32768 and up) so that no client socket takes it.
# Each server is listening before the next port is chosen, so two never get the same one.
listening() { grep -qs "$(printf ':%04X ' "$1")" /proc/net/udp /proc/net/udp6; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    listening "$port" || { echo "$port"; return; }
  done
}

# start PORT COMMAND...: starts a server in the background and waits until it listens on PORT.
start() {
  local port=$1
  shift
  "$@" >"$work/server-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    listening "$port" && return
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$(basename "$0"): '$*' did not start listening on port $port:" >&2
  cat "$work/server-$port.log" >&2
  exit 1
}

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Shared by the whole-system scripts (source it; not run on its own): a temporary work directory removed on exit
# with every process started through `start`, the C reference programs and the udpecho tool built into it, and the
# helpers the scripts need. Sends nothing itself.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

gcc -O2 -o "$work/cecho" "$here/cecho.c"
gcc -O2 -o "$work/cflood" "$here/cflood.c"
dotnet build "$root/src/UdpEcho.Tool" -c Release -f net10.0 --nologo -v quiet -o "$work/tool" >/dev/null

# A UDP port free on 127.0.0.1 a moment ago.
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts a command in the background, quietly, to be stopped on exit.
start() { "$@" >/dev/null 2>&1 & pids+=($!); }

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

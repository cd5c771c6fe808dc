#!/usr/bin/env bash
# Load test of the fail-fast search endpoint (issue 5): `fanout search-server` with its four
# built-in backends, driven by wrk (Debian's package) at 64 connections, next to each backend alone
# at the same concurrency, measured in the same run:
#
#   bench/search.sh [SECONDS] [BACKEND_LATENCY_MS]     (defaults: 15 s, 20 ms)
#
# Two settings: backends answering at once (CPU-bound: what the machine sustains), and backends
# that each wait BACKEND_LATENCY_MS before answering (what a fan-out adds over its slowest backend;
# target: under 1 ms at p50). Writes bench/target/search-<date>.txt.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
secs="${1:-15}"
lat="${2:-20}"
if ! command -v wrk >/dev/null; then
  echo "bench/search.sh: wrk is missing: apt-get install -y wrk" >&2
  exit 1
fi
(cd "$root" && ./fanout --version >/dev/null) # builds the jar when needed
mkdir -p "$bench/target"
summary="$bench/target/search-$(date -u +%Y%m%dT%H%M%SZ).txt"
work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-search.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "$*" | tee -a "$summary"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 1 300); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench/search.sh: $1 did not answer" >&2
  return 1
}
# wrk's --latency output -> "p50 p99 req/s"
measure() {
  wrk -t2 -c64 -d"${secs}s" --latency "$1" >"$work/wrk.out" 2>&1 || true
  python3 - "$work/wrk.out" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[u]
p50 = ms(re.search(r"50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"99%\s+(\S+)", t).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{p50:.2f} {p99:.2f} {rps:.0f} {non2xx.group(1) if non2xx else 0}")
EOF
}

say "# fanout search load test, $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, wrk -t2 -c64 -d${secs}s"
for backend_latency in 0 "$lat"; do
  ports=()
  for kind in docs people projects tags; do
    port=$(free_port)
    ports+=("$port")
    FANOUT_JAVA_OPTS="-XX:TieredStopAtLevel=1" "$root/fanout" search-backend --kind "$kind" --port "$port" --latency "$backend_latency" >"$work/$kind.log" 2>&1 &
    pids+=($!)
  done
  for p in "${ports[@]}"; do wait_http "http://127.0.0.1:$p/?q=warm"; done
  sport=$(free_port)
  FANOUT_JAVA_OPTS="-XX:TieredStopAtLevel=1" "$root/fanout" search-server --port "$sport" \
    --backend "docs=http://127.0.0.1:${ports[0]}/" --backend "people=http://127.0.0.1:${ports[1]}/" \
    --backend "projects=http://127.0.0.1:${ports[2]}/" --backend "tags=http://127.0.0.1:${ports[3]}/" \
    >"$work/server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$sport/search?q=warm"
  # Warm both sides' JIT before measuring.
  wrk -t2 -c64 -d5s "http://127.0.0.1:$sport/search?q=latency" >/dev/null 2>&1 || true
  read -r p50 p99 rps bad <<<"$(measure "http://127.0.0.1:$sport/search?q=latency")"
  say "backend latency ${backend_latency} ms: fan-out /search: p50 ${p50} ms, p99 ${p99} ms, ${rps} req/s, non-2xx ${bad} (load $(load))"
  slowest=0
  i=0
  for kind in docs people projects tags; do
    read -r b50 b99 brps bbad <<<"$(measure "http://127.0.0.1:${ports[$i]}/?q=latency")"
    say "backend latency ${backend_latency} ms: $kind alone: p50 ${b50} ms, p99 ${b99} ms, ${brps} req/s, non-2xx ${bbad}"
    slowest=$(python3 -c "print(max($slowest, $b50))")
    i=$((i + 1))
  done
  say "backend latency ${backend_latency} ms: fan-out p50 minus slowest backend's p50: $(python3 -c "print(round($p50 - $slowest, 2))") ms"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
done
say "summary: $summary"

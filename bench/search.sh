#!/usr/bin/env bash
# Load test of the fail-fast search endpoint (issue 5), driven by wrk (Debian's package), each
# setting next to every backend alone at the same concurrency, measured in the same run:
#
#   bench/search.sh [SECONDS] [BACKEND_LATENCY_MS]     (defaults: 15 s, 20 ms)
#
#   1. saturation: `fanout search-server` with its four built-in backends (in its own JVM,
#      answering at once), 64 connections: p50, p99, searches/s.
#   2. the fan-out's own cost, one connection: four stub backends (bench/go/cmd/stubbackend: a Go
#      process that waits BACKEND_LATENCY_MS on a timer and answers three fixed hits, so the
#      backends themselves cost next to nothing and do not compete for the 2 cores) behind
#      `fanout search-server`, and behind the same endpoint written in plain Go as the peer
#      (bench/go/cmd/fanoutserver: net/http, one goroutine per backend, a context). Each server
#      is warmed up once (10 s at 16 connections, 3 s at one), then for FANOUT_BENCH_ROUNDS
#      rounds (default 3) the slowest backend alone, fanout and Go are measured one after the
#      other. Reported per round and as the median over the rounds: fanout's p50 minus the
#      slowest backend's p50 (target: under 1 ms), Go's p50 minus the same, and their ratio.
#      Needs Go (apt-get install -y golang-go); without it part 2 is skipped with a message.
#   3. fail-fast: one backend fails after 50 ms, three take 3 s; one connection: the time to the
#      502 minus the 50 ms (target: the 502 within 100 ms of the failure).
#
# FANOUT_BENCH_PARTS picks the parts (default 123; e.g. FANOUT_BENCH_PARTS=23 skips part 1).
# Writes bench/target/search-<date>.txt.
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
stop_started() { # the processes this script started so far
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
cleanup() {
  stop_started
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "$*" | tee -a "$summary"; }
want() { case "${FANOUT_BENCH_PARTS:-123}" in *"$1"*) return 0 ;; *) return 1 ;; esac; } # PART
load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # URL: until something listens there (its answers may be slow or errors)
  python3 -c '
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
for _ in range(600):
    try:
        socket.create_connection((u.hostname, u.port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("nothing listens at " + sys.argv[1])
' "$1"
}
wait_http() {
  for _ in $(seq 1 300); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench/search.sh: $1 did not answer" >&2
  return 1
}
# wrk's --latency output -> "p50 p99 req/s"
measure() { # URL CONNECTIONS
  wrk -t"$(($2 < 2 ? 1 : 2))" -c"$2" -d"${secs}s" --latency "$1" >"$work/wrk.out" 2>&1 || true
  parse_wrk
}
parse_wrk() {
  python3 - "$work/wrk.out" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    if not m:
        sys.exit(f"cannot read wrk's output: {v!r} in\n{t}")
    n, u = m.groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{p50:.2f} {p99:.2f} {rps:.0f} {non2xx.group(1) if non2xx else 0}")
EOF
}

wrk_one() { measure "$1" 1; } # URL: one connection
say "# fanout search load test, $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, wrk -t2 -d${secs}s"
# Part 1, $1 connections: the embedded default, four built-in backends in the server's own JVM.
saturation() {
  local conns=$1 tag="built-in backends, $1 connections"
  local sport
  sport=$(free_port)
  "$root/fanout" search-server --port "$sport" >"$work/server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$sport/search?q=warm"
  mapfile -t urls < <(sed -n 's/^built-in backend \([a-z]*\) on \(http[^ ]*\)$/\2/p' "$work/server.log")
  wrk -t"$((conns < 2 ? 1 : 2))" -c"$conns" -d5s "http://127.0.0.1:$sport/search?q=latency" >/dev/null 2>&1 || true # warm-up
  read -r p50 p99 rps bad <<<"$(measure "http://127.0.0.1:$sport/search?q=latency" "$conns")"
  say "$tag: fan-out /search: p50 ${p50} ms, p99 ${p99} ms, ${rps} searches/s, non-2xx ${bad} (load $(load))"
  local slowest=0 i=0 kind
  for kind in docs people projects tags; do
    read -r b50 b99 brps bbad <<<"$(measure "${urls[$i]}?q=latency" "$conns")"
    say "$tag: $kind alone: p50 ${b50} ms, p99 ${b99} ms, ${brps} req/s, non-2xx ${bbad}"
    slowest=$(python3 -c "print(max($slowest, $b50))")
    i=$((i + 1))
  done
  say "$tag: fan-out p50 minus the slowest backend's p50: $(python3 -c "print(round($p50 - $slowest, 2))") ms"
  stop_started
}

# The fan-out's own cost (part 2): stub backends that wait $lat ms and cost next to nothing,
# fanout search-server and the Go peer on them, one connection (no queueing).
warm_up() { # URL: once per server
  wrk -t2 -c16 -d10s "$1" >/dev/null 2>&1 || true
  wrk -t1 -c1 -d3s "$1" >/dev/null 2>&1 || true
}
fan_out_cost() {
  local rounds="${FANOUT_BENCH_ROUNDS:-3}"
  if ! [[ "$rounds" =~ ^[0-9]+$ ]] || ((10#$rounds < 1)); then
    echo "bench/search.sh: FANOUT_BENCH_ROUNDS must be a positive integer, not '$rounds'" >&2
    return 1
  fi
  rounds=$((10#$rounds))
  if ! command -v go >/dev/null 2>&1; then
    say "part 2 (the fan-out's own cost) needs Go for its stub backends and peer server: apt-get install -y golang-go; skipped"
    return 0
  fi
  local gobin="$work/gobin"
  (cd "$bench/go" && GOPROXY=off go build -o "$gobin/" ./cmd/stubbackend ./cmd/fanoutserver)
  local kinds=(docs people projects tags) urls=() kind port
  for kind in "${kinds[@]}"; do
    port=$(free_port)
    "$gobin/stubbackend" -port "$port" -latency "$lat" >"$work/$kind.log" 2>&1 &
    pids+=($!)
    urls+=("http://127.0.0.1:$port/")
  done
  for u in "${urls[@]}"; do wait_http "${u}?q=warm"; done
  local fport gport
  fport=$(free_port)
  "$root/fanout" search-server --port "$fport" \
    --backend "docs=${urls[0]}" --backend "people=${urls[1]}" \
    --backend "projects=${urls[2]}" --backend "tags=${urls[3]}" >"$work/server.log" 2>&1 &
  pids+=($!)
  local fsearch="http://127.0.0.1:$fport/search?q=latency"
  wait_http "http://127.0.0.1:$fport/search?q=warm"
  warm_up "$fsearch"
  gport=$(free_port)
  "$gobin/fanoutserver" -port "$gport" \
    "docs=${urls[0]}" "people=${urls[1]}" "projects=${urls[2]}" "tags=${urls[3]}" >"$work/goserver.log" 2>&1 &
  pids+=($!)
  local gsearch="http://127.0.0.1:$gport/search?q=latency"
  wait_http "http://127.0.0.1:$gport/search?q=warm"
  warm_up "$gsearch" # Go has no JIT to warm, but both servers get the same treatment
  local r i slowest b50 b99 brps bbad f50 f99 frps fbad g50 g99 grps gbad d g ds=() gs=()
  local tag="backends +${lat} ms, 1 connection"
  for ((r = 1; r <= rounds; r++)); do
    slowest=0
    for i in "${!kinds[@]}"; do
      read -r b50 b99 brps bbad <<<"$(wrk_one "${urls[$i]}?q=latency")"
      say "round $r/$rounds, $tag: ${kinds[$i]} alone: p50 ${b50} ms, p99 ${b99} ms, non-2xx ${bbad}"
      slowest=$(python3 -c "print(max($slowest, $b50))")
    done
    read -r f50 f99 frps fbad <<<"$(wrk_one "$fsearch")"
    read -r g50 g99 grps gbad <<<"$(wrk_one "$gsearch")"
    d=$(python3 -c "print(f'{$f50 - $slowest:.2f}')")
    g=$(python3 -c "print(f'{$g50 - $slowest:.2f}')")
    ds+=("$d")
    gs+=("$g")
    say "round $r/$rounds, $tag: fanout search-server: p50 ${f50} ms, p99 ${f99} ms, ${frps} searches/s, non-2xx ${fbad}; fan-out minus slowest backend p50: ${d} ms (target < 1 ms) (load $(load))"
    say "round $r/$rounds, $tag: Go net/http fan-out server: p50 ${g50} ms, p99 ${g99} ms, ${grps} searches/s, non-2xx ${gbad}; minus slowest backend: ${g} ms"
    say "round $r/$rounds, $tag: fanout's fan-out cost / Go's: $(ratio "$d" "$g")"
  done
  local md mg
  md=$(median "${ds[@]}")
  mg=$(median "${gs[@]}")
  say "median over $rounds rounds, $tag: fanout search-server minus slowest backend p50: ${md} ms (target < 1 ms); Go net/http fan-out server minus slowest backend: ${mg} ms; fanout's fan-out cost / Go's: $(ratio "$md" "$mg")"
  stop_started
}
ratio() { # D G: D/G, or why there is none
  python3 -c "
import sys
d, g = float(sys.argv[1]), float(sys.argv[2])
print(f'{d / g:.1f}' if g > 0 else f'n/a (Go adds {g} ms, not above zero)')" "$1" "$2"
}
median() { # numbers
  python3 -c "import statistics, sys; print(f'{statistics.median(float(a) for a in sys.argv[1:]):.2f}')" "$@"
}

# Saturation, as the issue asks: 64 connections, the built-in backends answering at once.
if want 1; then saturation 64; fi
# The fan-out's own cost: backends that wait $lat ms, one connection (no queueing).
if want 2; then fan_out_cost; fi

if want 3; then
  # Fail-fast: docs fails after 50 ms, the three others would take 3 s.
  urls=()
  for kind in docs people projects tags; do
    port=$(free_port)
    if [ "$kind" = docs ]; then extra=(--latency 50 --fail-rate 1); else extra=(--latency 3000); fi
    "$root/fanout" search-backend --kind "$kind" --port "$port" "${extra[@]}" >"$work/$kind.log" 2>&1 &
    pids+=($!)
    urls+=("http://127.0.0.1:$port/")
  done
  for u in "${urls[@]}"; do wait_port "$u"; done
  sport=$(free_port)
  "$root/fanout" search-server --port "$sport" --deadline 10s \
    --backend "docs=${urls[0]}" --backend "people=${urls[1]}" \
    --backend "projects=${urls[2]}" --backend "tags=${urls[3]}" >"$work/server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$sport/metrics"
  wrk -t1 -c1 -d5s "http://127.0.0.1:$sport/search?q=latency" >/dev/null 2>&1 || true # warm-up
  read -r p50 p99 rps bad <<<"$(wrk_one "http://127.0.0.1:$sport/search?q=latency")"
  say "fail-fast: docs fails after 50 ms, the others take 3 s, 1 connection: 502 after p50 ${p50} ms, p99 ${p99} ms (${bad} of them 502): the failure-to-502 time is p50 $(python3 -c "print(round($p50 - 50, 2))") ms, p99 $(python3 -c "print(round($p99 - 50, 2))") ms"
fi
say "summary: $summary"

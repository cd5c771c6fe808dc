#!/usr/bin/env bash
# Go side by side for the JMH benchmarks (ChannelBenchmark, ChannelSingleThreadBenchmark, and the
# cost ordering). Standard library only: no module is downloaded (GOPROXY=off).
#
#   bench/go/run.sh [benchtime] [count] [results file]     # defaults: 1s 3
#
# Prints `go test`'s output, then a table of ns per item (ns/op divided by the 100,000 items per
# op for the transfer benchmarks; one send + one receive per op for the single-goroutine one;
# Order_* rows as go test prints them, since their ns/op is already per operation),
# with the min-max over the runs. `go test`'s output is also saved, with the Go version,
# GOMAXPROCS and the benchtime as `key: value` lines first (benchstat reads the file as it is), to
# the results file, by default bench/target/results/<date>-go.txt; the report
# (dev.fanout.bench.report.BenchReport --go FILE) reads it. Needs Go (Debian: apt-get install
# golang-go); without it, says so and exits 0.
set -euo pipefail
if ! command -v go >/dev/null 2>&1; then
  echo "bench/go/run.sh: go not found; install golang-go (apt-get install -y golang-go) to run the Go side by side"
  exit 0
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
benchtime="${1:-1s}"
count="${2:-3}"
out="${3:-$(dirname "$here")/target/results/$(date +%Y%m%d-%H%M%S)-go.txt}"
mkdir -p "$(dirname "$out")"

echo "bench/go/run.sh: $(go version), GOMAXPROCS=${GOMAXPROCS:-default ($(nproc) CPUs)}, $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
{
  echo "goversion: $(go version | awk '{print $3, $4}')"
  echo "gomaxprocs: ${GOMAXPROCS:-$(nproc)}"
  echo "benchtime: -benchtime=$benchtime -count=$count"
} >"$out"
(cd "$here" && GOPROXY=off GOFLAGS=-mod=mod go test -run '^$' -bench . -benchtime="$benchtime" -count="$count" .) | tee -a "$out"
echo "bench/go/run.sh: finished $(date -u '+%T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "bench/go/run.sh: results in $out"

echo
awk '
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
    v = $3 + 0
    if (name ~ /^Transfer_/) v = v / 100000
    if (!(name in n)) { order[++k] = name; lo[name] = v; hi[name] = v }
    if (v < lo[name]) lo[name] = v
    if (v > hi[name]) hi[name] = v
    sum[name] += v; n[name]++
  }
  END {
    label["Transfer_P1_Rendezvous"]   = "1 -> 1, rendezvous"
    label["Transfer_P4_Rendezvous"]   = "4 -> 1, rendezvous"
    label["Transfer_P1_Buffered16"]   = "1 -> 1, buffered(16)"
    label["Transfer_P4_Buffered16"]   = "4 -> 1, buffered(16)"
    label["Transfer_P1_Buffered1024"] = "1 -> 1, buffered(1024)"
    label["Transfer_P4_Buffered1024"] = "4 -> 1, buffered(1024)"
    label["SingleSendReceive16"]      = "one goroutine, send + receive, buffered(16)"
    label["Order_atomic1"]            = "atomic1: atomic add, 1 goroutine"
    label["Order_atomic2"]            = "atomic2: atomic add, 2 goroutines, 1 counter"
    label["Order_lock1"]              = "lock1: Mutex + increment, 1 goroutine"
    label["Order_lock2"]              = "lock2: Mutex + increment, 2 goroutines"
    label["Order_channelOneThread"]   = "channelOneThread: send + receive, buf(16)"
    label["Order_channel1to1"]        = "channel1to1: 1 -> 1, buffered(16)"
    label["Order_channel4to1"]        = "channel4to1: 4 -> 1, buffered(16)"
    printf "| %-44s | %12s | %16s | %4s |\n", "shape (Go, ns per item or operation)", "mean", "min-max", "runs"
    printf "|%s|%s|%s|%s|\n", "----------------------------------------------", "--------------", "------------------", "------"
    for (i = 1; i <= k; i++) {
      m = order[i]
      printf "| %-44s | %12.1f | %7.1f-%-8.1f | %4d |\n", (m in label ? label[m] : m), sum[m] / n[m], lo[m], hi[m], n[m]
    }
  }' "$out"

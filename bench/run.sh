#!/usr/bin/env bash
# Builds the JMH benchmarks jar and runs it, then prints the report: one table per comparison,
# each of ours as a ratio to its peers measured in the same run, and the targets met or missed.
#
#   bench/run.sh                     # the report: every benchmark (quick), then Go when `go` is on
#                                    # PATH; writes docs/benchmarks.md and docs/bench/*.png
#   bench/run.sh [quick|full] [JMH regex] [--go] [--write-docs] [more JMH options...]
#
#   bench/run.sh quick FanOut -p n=1000 -prof gc
#   bench/run.sh full FailFast
#   bench/run.sh quick Channel -p producers=1,4 --go     # with bench/go/run.sh after
#
# With no argument: 2 forks x (2 warm-up + 4 measured iterations of 500 ms) over every benchmark,
# -p producers=1,4, -prof gc and -prof dev.fanout.bench.CpuProfiler (CPU time per operation), then bench/go/run.sh 500ms 3 (FANOUT_GO_BENCHTIME and
# FANOUT_GO_COUNT change those two); the time it will take is printed before it starts (bench's
# BenchEstimate: benchmarks x forks x iterations + a JVM start per fork).
# With arguments: quick is 2 forks x (2 warm-up + 3 measured iterations of 1 s), full 2 x (5 + 10
# of 2 s); any of -f -wi -w -i -r given after the regex replaces the mode's value. The page is
# printed, and written to docs/benchmarks.md only with --write-docs; --go runs Go too.
#
# Results go to bench/target/results/<date>-<mode>-<regex>.json, with JMH's log (.log), the load
# average every 10 s (.load) and Go's output (-go.txt) beside it. Print a run's page again (one
# run's JSON; the report refuses several, whose ratios would mix runs):
#   java -cp bench/target/benchmarks.jar dev.fanout.bench.report.BenchReport A.json [--go G.txt]
#
# The JDK is found the way ./fanout finds it (JAVA_HOME, java on PATH, /usr/lib/jvm/*: the first
# one >= 21). When it is a JDK 25, the StructuredTaskScope benchmarks (a preview API) are built
# too (-Pjdk25-preview) and run in forks with --enable-preview; FANOUT_BENCH_PREVIEW=0 leaves
# them out.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
# shellcheck source=../scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"

command_line="bench/run.sh"
for arg in "$@"; do
  command_line+=" $(printf '%q' "$arg")"
done

go_bench=0
write_docs=0
report=0
extra=()
if [ $# = 0 ]; then
  report=1
  go_bench=1
  write_docs=1
  set -- quick dev.fanout.bench.
  extra=(-p producers=1,4 -prof gc -prof dev.fanout.bench.CpuProfiler)
fi
args=()
for arg in "$@"; do
  case "$arg" in
    --go) go_bench=1 ;;
    --write-docs) write_docs=1 ;;
    *) args+=("$arg") ;;
  esac
done
set -- "${args[@]}"

mode="${1:-quick}"
regex="${2:-dev.fanout.bench.}"
shift $(($# > 2 ? 2 : $#))
set -- "${extra[@]}" "$@"

case "$mode" in
  quick) defaults=(-f 2 -wi 2 -w 1s -i 3 -r 1s) ;;
  full) defaults=(-f 2 -wi 5 -w 2s -i 10 -r 2s) ;;
  *)
    echo "usage: bench/run.sh [quick|full] [JMH regex] [--go] [--write-docs] [more JMH options...]" >&2
    exit 2
    ;;
esac
if [ "$report" = 1 ]; then
  # The whole suite in under 15 minutes on 2 cores: shorter iterations, still 2 forks.
  defaults=(-f 2 -wi 2 -w 500ms -i 4 -r 500ms)
fi
# An option given on the command line replaces the mode's default for it (JMH refuses repeats).
opts=()
for ((k = 0; k < ${#defaults[@]}; k += 2)); do
  given=0
  for arg in "$@"; do
    [ "$arg" = "${defaults[k]}" ] && given=1
  done
  [ "$given" = 1 ] || opts+=("${defaults[k]}" "${defaults[k + 1]}")
done

if ! jdk=$(find_jdk); then
  echo "bench/run.sh: no JDK 21 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm/*)" >&2
  exit 1
fi
major=$(fanout_jdk_major "$jdk")
profile=()
if [ "$major" = 25 ] && [ "${FANOUT_BENCH_PREVIEW:-1}" != 0 ]; then
  profile=(-Pjdk25-preview)
else
  echo "bench/run.sh: JDK $major at $jdk: StructuredTaskScope benchmarks left out (they need JDK 25)" >&2
fi

echo "bench/run.sh: building bench/target/benchmarks.jar with $jdk ${profile[*]}" >&2
log=$(mktemp "${TMPDIR:-/tmp}/fanout-bench-build.XXXXXX")
if ! (cd "$root" && JAVA_HOME="$jdk" ./mvnw -q -B -DskipTests -Dspotless.check.skip=true \
  -pl bench -am "${profile[@]}" package) >"$log" 2>&1; then
  grep -v '^WARNING: .*sun.misc.Unsafe\|^WARNING: Please consider reporting' "$log" >&2 || true
  rm -f "$log"
  echo "bench/run.sh: the build failed (output above)" >&2
  exit 1
fi
rm -f "$log"
echo "bench/run.sh: built in ${SECONDS} s" >&2

jvm=()
# JMH 1.37 calls sun.misc.Unsafe; JDK 24+ warns about it in every fork (forks inherit these flags).
if [ "$major" -ge 24 ]; then
  jvm+=(--sun-misc-unsafe-memory-access=allow)
fi
jar="$bench/target/benchmarks.jar"

# How long: JMH's part from the benchmarks the regex selects, Go's from its benchmark count.
estimate=$("$jdk/bin/java" "${jvm[@]}" -cp "$jar" dev.fanout.bench.report.BenchEstimate \
  "$regex" "${opts[@]}" "$@")
echo "bench/run.sh: JMH: $(echo "$estimate" | sed -n 1p)" >&2
total=$(($(echo "$estimate" | sed -n 2p) + SECONDS))
go_count=
go_benchtime="${FANOUT_GO_BENCHTIME:-500ms}"
go_runs="${FANOUT_GO_COUNT:-3}"
if [ "$go_bench" = 1 ]; then
  if command -v go >/dev/null 2>&1; then
    go_count=$(cat "$bench"/go/*_test.go | grep -c '^func Benchmark' || true)
    # go test runs each benchmark a few times to find b.N: about 1.5x benchtime per run, plus the
    # compilation.
    go_seconds=$(awk -v n="$go_count" -v c="$go_runs" -v t="$go_benchtime" \
      'BEGIN { s = t ~ /ms$/ ? t / 1000 : t + 0; printf "%d", n * c * s * 1.5 + 10 }')
    echo "bench/run.sh: Go: $go_count benchmarks x $go_runs runs x $go_benchtime: about $go_seconds s" >&2
    total=$((total + go_seconds))
  else
    echo "bench/run.sh: go not found: Go is left out (apt-get install -y golang-go)" >&2
    go_bench=0
  fi
fi

echo "bench/run.sh: about $((total / 60)) min $((total % 60)) s in all, the build included" >&2

results="$bench/target/results"
mkdir -p "$results"
name=$([ "$regex" = dev.fanout.bench. ] && echo all || printf '%s' "$regex" | tr -c 'A-Za-z0-9_-' '_' | sed 's/__*/_/g; s/^_//; s/_$//')
out="$results/$(date +%Y%m%d-%H%M%S)-$mode-${name:-all}.json"

# The machines are shared: sample the load average every 10 s beside the results.
sampler=
if [ -r /proc/loadavg ]; then
  (while :; do
    echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)"
    sleep 10
  done) >"${out%.json}.load" &
  sampler=$!
  trap 'kill "$sampler" 2>/dev/null || true' EXIT
fi

echo "bench/run.sh: $jdk/bin/java ${jvm[*]} -jar bench/target/benchmarks.jar '$regex' ${opts[*]} $* -rf json -rff $out" >&2
"$jdk/bin/java" "${jvm[@]}" -jar "$jar" "$regex" "${opts[@]}" "$@" \
  -rf json -rff "$out" 2>&1 | tee "${out%.json}.log"

go_out=()
if [ "$go_bench" = 1 ]; then
  go_file="${out%.json}-go.txt"
  "$bench/go/run.sh" "$go_benchtime" "$go_runs" "$go_file"
  go_out=(--go "$go_file")
fi

if [ -n "$sampler" ]; then
  kill "$sampler" 2>/dev/null || true
fi

echo
echo "results: $out"
docs=()
if [ "$write_docs" = 1 ]; then
  docs=(--write-docs "$root/docs/benchmarks.md")
fi
lint=()
if [ -f "$bench/target/lint/summary.md" ]; then
  lint=(--lint "$bench/target/lint/summary.md") # bench/lint.sh's last run, dated in its text
fi
if [ -f "$bench/target/scale/summary.md" ]; then
  lint+=(--scale "$bench/target/scale/summary.md") # bench/scale.sh's last run, likewise
fi
revision=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
"$jdk/bin/java" -Djava.awt.headless=true -cp "$jar" dev.fanout.bench.report.BenchReport \
  --command "$command_line" --revision "$revision" --load "${out%.json}.load" "${go_out[@]}" \
  "${lint[@]}" "${docs[@]}" "$out"
echo "bench/run.sh: finished in $((SECONDS / 60)) min $((SECONDS % 60)) s" >&2

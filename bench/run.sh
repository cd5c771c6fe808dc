#!/usr/bin/env bash
# Builds the JMH benchmarks jar and runs it, then prints per-task tables and ratios of ours
# against each JDK baseline measured in the same run.
#
#   bench/run.sh [quick|full] [JMH regex] [more JMH options...]
#
#   bench/run.sh                         # quick, every benchmark in bench/ (about 10 minutes)
#   bench/run.sh quick FanOut -p n=1000 -prof gc
#   bench/run.sh full FailFast
#
# quick: 2 forks x (2 warm-up + 3 measured iterations of 1 s); full: 2 forks x (5 + 10 of 2 s).
# Any of -f -wi -w -i -r given after the regex replaces the mode's value.
# Results go to bench/target/results/<date>-<mode>-<regex>.json, with JMH's log (.log) and the
# load average every 10 s (.load) beside it. Re-print or compare runs (--each: every run's figure):
#   python3 bench/report.py [--each] bench/target/results/A.json bench/target/results/B.json
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

mode="${1:-quick}"
regex="${2:-dev.fanout.bench.}"
shift $(($# > 2 ? 2 : $#))

case "$mode" in
  quick) defaults=(-f 2 -wi 2 -w 1s -i 3 -r 1s) ;;
  full) defaults=(-f 2 -wi 5 -w 2s -i 10 -r 2s) ;;
  *)
    echo "usage: bench/run.sh [quick|full] [JMH regex] [more JMH options...]" >&2
    exit 2
    ;;
esac
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

jvm=()
# JMH 1.37 calls sun.misc.Unsafe; JDK 24+ warns about it in every fork (forks inherit these flags).
if [ "$major" -ge 24 ]; then
  jvm+=(--sun-misc-unsafe-memory-access=allow)
fi
echo "bench/run.sh: $jdk/bin/java ${jvm[*]} -jar bench/target/benchmarks.jar '$regex' ${opts[*]} $* -rf json -rff $out" >&2
"$jdk/bin/java" "${jvm[@]}" -jar "$bench/target/benchmarks.jar" "$regex" "${opts[@]}" "$@" \
  -rf json -rff "$out" 2>&1 | tee "${out%.json}.log"

if [ -n "$sampler" ]; then
  kill "$sampler" 2>/dev/null || true
fi

echo
echo "results: $out"
if [ -s "${out%.json}.load" ]; then
  echo "1-minute load average during the run (2 cores here: above 2 means other work competed):" \
    "$(awk '{print $2}' "${out%.json}.load" | sort -n | sed -n '1p;$p' | paste -sd- -)"
fi
if command -v python3 >/dev/null 2>&1; then
  python3 "$bench/report.py" "$out"
else
  echo "bench/run.sh: python3 not found; the JSON above has the scores" >&2
fi

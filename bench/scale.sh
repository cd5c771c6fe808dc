#!/usr/bin/env bash
# A shared batch across processes (issue 15's figures): 1, 2 and 4 worker processes on one
# PostgreSQL (embedded, started by the run) against `fanout upstream --latency 50`, so that the
# figure measures coordination, not this machine's two cores.
#
#   bench/scale.sh [DOCS] [ROUNDS] [WORKERS]     (default: 6000 documents, 2 rounds, --workers 4)
#
# Then RateShareRun: one tenant's rate shared by four connection pools, our permits leased in chunks
# beside Bucket4j's PostgreSQL backend: permits a second, the most in one second, round trips per
# permit. Prints each run and writes bench/target/scale/summary.md, which bench/run.sh's report puts in
# docs/benchmarks.md (BenchReport --scale). Targets: 4 processes at least 3.6x one process, and at
# most 2 database round trips per document. The machine is shared: compare only figures of one run.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
# shellcheck source=../scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
jdk=$(find_jdk) || {
  echo "bench/scale.sh: no JDK 21+ found" >&2
  exit 1
}
"$root/fanout" --version >/dev/null # builds the CLI jar when the sources changed
(cd "$root" && JAVA_HOME="$jdk" ./mvnw -q -B -DskipTests -Dspotless.check.skip=true -pl bench -am package) >/dev/null
mkdir -p "$bench/target/scale"
cp "$root/cli/target/fanout.jar" "$bench/target/scale/fanout.jar" # one jar for every process
"$jdk/bin/java" -cp "$bench/target/benchmarks.jar" dev.fanout.bench.scale.ScaleRun \
  "$bench/target/scale/fanout.jar" "${1:-6000}" "${2:-2}" "${3:-4}" "$bench/target/scale/summary.md" \
  "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
# then one tenant's rate shared by four pools: our leased permits beside Bucket4j's PostgreSQL
# backend (ADR 0015), appended to the same summary
"$jdk/bin/java" -cp "$bench/target/benchmarks.jar" dev.fanout.bench.scale.RateShareRun \
  "$bench/target/scale/summary.md" 5 "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
cat "$bench/target/scale/summary.md"

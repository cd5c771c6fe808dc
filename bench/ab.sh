#!/usr/bin/env bash
# Before/after for a change to core: runs the same JMH benchmarks from two benchmark jars, one
# after the other, alternating, and prints each benchmark's new/old ratio per round (the machines
# are shared: compare only figures from the same round, and look at the spread of the ratios; the
# median ratio over the rounds is the figure to quote, with the spread beside it).
#
#   bench/ab.sh OLD.jar NEW.jar ROUNDS 'JMH regex' [more JMH options...]
#
#   git worktree add /tmp/before REV
#   (cd /tmp/before && ./mvnw -q -DskipTests -pl bench -am package) && cp /tmp/before/bench/target/benchmarks.jar /tmp/old.jar
#   ./mvnw -q -DskipTests -pl bench -am package && cp bench/target/benchmarks.jar /tmp/new.jar
#   bench/ab.sh /tmp/old.jar /tmp/new.jar 2 'ChannelBenchmark' -p pipe=fanout-buffered-16
#
# Each run is 1 fork x (2 warm-up + 3 measured iterations of 1 s) unless the options say
# otherwise. Results (JSON) go to bench/target/ab/.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
# shellcheck source=../scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"

if [ $# -lt 4 ]; then
  echo "usage: bench/ab.sh OLD.jar NEW.jar ROUNDS 'JMH regex' [JMH options...]" >&2
  exit 2
fi
old="$1" new="$2" rounds="$3" regex="$4"
shift 4
jdk=$(find_jdk) || {
  echo "bench/ab.sh: no JDK 21 or newer found" >&2
  exit 1
}
jvm=()
if [ "$(fanout_jdk_major "$jdk")" -ge 24 ]; then
  jvm+=(--sun-misc-unsafe-memory-access=allow)
fi
out="$bench/target/ab/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
for ((r = 1; r <= rounds; r++)); do
  for side in old new; do
    jar=$([ "$side" = old ] && echo "$old" || echo "$new")
    echo "bench/ab.sh: round $r, $side ($jar)" >&2
    "$jdk/bin/java" "${jvm[@]}" -jar "$jar" "$regex" -f 1 -wi 2 -w 1s -i 3 -r 1s "$@" \
      -rf json -rff "$out/$r-$side.json" >"$out/$r-$side.log" 2>&1
  done
done
python3 - "$out" "$rounds" <<'EOF'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(path):
    with open(path) as f:
        rows = json.load(f)
    res = {}
    for e in rows:
        name = e["benchmark"].rsplit(".", 2)[-2] + "." + e["benchmark"].rsplit(".", 1)[-1]
        params = ",".join("%s=%s" % kv for kv in sorted((e.get("params") or {}).items()))
        res[name + ("[" + params + "]" if params else "")] = (
            e["primaryMetric"]["score"], e["primaryMetric"]["scoreUnit"])
    return res
runs = [(load("%s/%d-old.json" % (out, r)), load("%s/%d-new.json" % (out, r))) for r in range(1, rounds + 1)]
names = sorted(set().union(*[set(o) & set(n) for o, n in runs]))
print("%-64s %-8s %s" % ("benchmark", "median", "  ".join("round %d: old -> new (new/old)" % (r + 1) for r in range(rounds))))
for name in names:
    cells, ratios = [], []
    for o, n in runs:
        (a, unit), (b, _) = o[name], n[name]
        ratios.append(b / a)
        cells.append("%.1f -> %.1f %s (%.2f)" % (a, b, unit, b / a))
    ratios.sort()
    mid = len(ratios) // 2
    median = ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2
    print("%-64s %-8s %s" % (name, "%.2f" % median, "  ".join(cells)))
print("results: " + out)
EOF

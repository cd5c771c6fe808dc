#!/usr/bin/env bash
# `fanout translate` before and after a change, end to end, on the pseudo backend: the jar built at
# OLD and the jar built from this checkout run the same corpus alternately (the machine is shared:
# compare only figures of one round; the median of the rounds' ratios is the figure to quote).
#
#   bench/translate-ab.sh OLD_REV [rounds] [documents] [words]    # defaults: 3 200000 8
#
# The corpus is JSON Lines, 3 tenants, `words` words per record (8: the small documents of
# bench/translate.sh pseudo). Each run starts from an empty output and store; the figure is the
# run's own elapsed_seconds (JVM start excluded), with ./fanout's JVM options (C1 only).
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
# shellcheck source=../scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
jdk=$(find_jdk) || {
  echo "bench/translate-ab.sh: no JDK 21+ found" >&2
  exit 1
}
old="${1:?usage: bench/translate-ab.sh OLD_REV [rounds] [documents] [words]}"
rounds="${2:-3}" n="${3:-200000}" words="${4:-8}"
work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-ab.XXXXXX")
cleanup() {
  git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$root" worktree add -q --detach "$work/old" "$old"
for dir in "$work/old" "$root"; do
  (cd "$dir" && JAVA_HOME="$jdk" ./mvnw -q -B -ntp -DskipTests -pl cli -am package)
done
python3 - "$n" "$work/in.jsonl" "$words" <<'PY'
import json, random, sys
n, path, words = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
vocab = ("the order invoice delivery arrived late again this week please call me back "
         "thank you for your help the printer does not work since the last update").split()
rnd = random.Random(1)
tenants = ["acme", "globex", "initech"]
with open(path, "w") as f:
    for i in range(n):
        text = " ".join(rnd.choice(vocab) for _ in range(words)).capitalize() + "."
        f.write(json.dumps({"id": f"d{i}", "tenant": tenants[i % 3], "text": text}) + "\n")
PY
echo "bench/translate-ab.sh: $n documents of $words words, old $(git -C "$root" rev-parse --short "$old"), new $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+uncommitted'), $(nproc) cores"
rate() { # rate JAR: documents per second of one run
  rm -rf "$work/out"
  "$jdk/bin/java" -XX:TieredStopAtLevel=1 -jar "$1" translate "$work/in.jsonl" --to es \
    --out "$work/out" --backend pseudo --quiet >/dev/null 2>&1 || true
  python3 -c "import json,sys; print(round(int(sys.argv[2]) / json.load(open(sys.argv[1]))['elapsed_seconds']))" \
    "$work/out/.fanout/report.json" "$n"
}
for r in $(seq 1 "$rounds"); do
  a=$(rate "$work/old/cli/target/fanout.jar")
  b=$(rate "$root/cli/target/fanout.jar")
  echo "round $r: old $a documents/s, new $b documents/s, new/old $(python3 -c "print(round($b/$a, 2))") (load $(cut -d' ' -f1 /proc/loadavg))"
done

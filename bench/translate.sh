#!/usr/bin/env bash
# End-to-end figures for `fanout translate` (issue 4's performance targets), each measured in this
# run, on this machine:
#
#   bench/translate.sh [pseudo|heap|rate|apertium|format|all]    (default: all)
#
#   pseudo    pipeline overhead: 200,000 small JSON Lines documents through the pseudo backend,
#             SQLite writes included; 3 runs, documents per second (target: >= 20,000/s)
#   heap      1,000,000 documents with -Xmx256m: completes, peak RSS, documents per second
#   rate      600 documents of one tenant at --rate 50 through `fanout upstream` (no latency):
#             achieved rate from the server's request log, and the most requests in any sliding
#             one-second window (target: 49.5-50/s, never over 50 + burst)
#   apertium  Apertium's APy server alone at client concurrency 4 and 8 (its best), then the
#             pipeline through the same server; ratio (target: >= 90%). Needs apertium-apy.
#   format    the format layer's cost (issue 12): the same Markdown documents labelled
#             "format": "markdown" (parsed; code, links and markup kept out of the request) and
#             "format": "text" (sent whole as prose), alternated, 3 rounds each: on the pseudo backend
#             (target: Markdown within 15% of text) and on the local Apertium engine (target:
#             within 5%). The two send different characters (Markdown sends fewer), so the figure
#             is documents per second for the user, not a cost per character.
#
# Writes a summary to bench/target/translate-<date>.txt. The machine is shared: read the load
# average printed beside each figure, and repeat before trusting one number.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
# shellcheck source=../scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
jdk=$(find_jdk) || {
  echo "bench/translate.sh: no JDK 21+ found" >&2
  exit 1
}
what="${1:-all}"
jar="$root/cli/target/fanout.jar"
# ./fanout builds its jar when the sources changed (outside any figure: the figures are the runs'
# own elapsed_seconds)
work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$bench/target"
summary="$bench/target/translate-$(date -u +%Y%m%dT%H%M%SZ).txt"
say() { echo "$*" | tee -a "$summary"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# As ./fanout runs it (its JVM options: FANOUT_JAVA_OPTS, default C1 only).
fanout() { FANOUT_JAVA_OPTS="${JOPTS:--XX:TieredStopAtLevel=1}" "$root/fanout" "$@"; }
JOPTS=

gen() { # gen N FILE [tenants] [words]
  python3 - "$@" <<'EOF'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
tenants = sys.argv[3].split(",") if len(sys.argv) > 3 else ["acme"]
words = int(sys.argv[4]) if len(sys.argv) > 4 else 8
vocab = ("the order invoice delivery arrived late again this week please call me back "
         "thank you for your help the printer does not work since the last update").split()
rnd = random.Random(1)
with open(path, "w") as f:
    for i in range(n):
        text = " ".join(rnd.choice(vocab) for _ in range(words)).capitalize() + "."
        f.write(json.dumps({"id": f"d{i}", "tenant": tenants[i % len(tenants)], "text": text}) + "\n")
EOF
}

gen_md() { # gen_md N FILE FORMAT PARAGRAPHS: Markdown documents, each with "format": FORMAT
  python3 - "$@" <<'EOF'
import json, random, sys
n, path, fmt, paras = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
vocab = ("the order invoice delivery arrived late again this week please call me back "
         "thank you for your help the printer does not work since the last update").split()
rnd = random.Random(1)
def words(k):
    return " ".join(rnd.choice(vocab) for _ in range(k))
with open(path, "w") as f:
    for i in range(n):
        parts = [f"## {words(3).capitalize()} {i}", ""]  # unique: no heading from memory
        for p in range(paras):
            parts.append(f"{words(6).capitalize()} `fanout translate` {words(4)} "
                         f"[{words(2)}](https://example.org/{p}) and **{words(2)}**.")
            parts.append("")
        parts += [f"- {words(4)}", f"- {words(3)} `--rate 50`", "",
                  "```sh", "fanout translate docs --to es", "```", ""]
        f.write(json.dumps({"id": f"d{i}", "tenant": "acme", "format": fmt,
                            "text": "\n".join(parts)}) + "\n")
EOF
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # wait_http URL SECONDS
  for _ in $(seq 1 "$(($2 * 10))"); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench/translate.sh: $1 did not answer in $2 s" >&2
  return 1
}

# a run's elapsed seconds from its report; a run in which documents failed is no figure: stop
elapsed_of() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
failed = r["documents"]["failed"]
if failed:
    sys.exit(f"bench/translate.sh: {failed} documents failed in this run (see {sys.argv[1]})")
print(r["elapsed_seconds"])
PY
}
# requests and characters sent, and characters served from the memory, from a run's report
sent_of() { python3 -c "import json,sys; u=json.load(open(sys.argv[1]))['upstream']; print(f\"{u['calls']:,} requests, {u['characters']:,} characters sent, {u['characters_from_memory']:,} from memory\")" "$1"; }

say "# fanout translate benchmarks, $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD), JDK $(fanout_jdk_major "$jdk"), $(nproc) cores"

if [ "$what" = pseudo ] || [ "$what" = all ]; then
  n=200000
  gen $n "$work/small.jsonl" acme,globex,initech 8
  for k in 1 2 3; do
    rm -rf "$work/out-pseudo"
    fanout translate "$work/small.jsonl" --to es --out "$work/out-pseudo" --backend pseudo --quiet || true
    s=$(elapsed_of "$work/out-pseudo/.fanout/report.json")
    lines=$(wc -l <"$work/out-pseudo/small.jsonl")
    say "pseudo run $k: $lines/$n documents in $s s = $(python3 -c "print(round($n/$s))") documents/s (load $(load))"
  done
fi

if [ "$what" = heap ] || [ "$what" = all ]; then
  n=1000000
  gen $n "$work/million.jsonl" acme,globex,initech 8
  rm -rf "$work/out-heap"
  JOPTS="-XX:TieredStopAtLevel=1 -Xmx256m" /usr/bin/time -f "%M" -o "$work/rss" \
    bash -c 'FANOUT_JAVA_OPTS="$JOPTS" "$0/fanout" "$@"' "$root" translate "$work/million.jsonl" --to es --out "$work/out-heap" --backend pseudo --quiet
  s=$(elapsed_of "$work/out-heap/.fanout/report.json")
  lines=$(wc -l <"$work/out-heap/million.jsonl")
  say "heap: -Xmx256m, $lines/$n documents in $s s = $(python3 -c "print(round($n/$s))") documents/s, peak RSS $(($(cat "$work/rss") / 1024)) MiB (load $(load))"
fi

if [ "$what" = rate ] || [ "$what" = all ]; then
  n=600
  gen $n "$work/rate.jsonl" acme 8
  port=$(free_port)
  fanout upstream --port "$port" --backend pseudo --log "$work/upstream.log" >"$work/upstream.out" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/languages" 30
  fanout translate "$work/rate.jsonl" --to es --out "$work/out-rate" --url "http://127.0.0.1:$port" --rate 50 --workers 8 --quiet || true
  python3 - "$work/upstream.log" "$n" <<'EOF' | tee -a "$summary"
import sys, bisect
# Lines: '<epoch s at answer> POST /translate 200 key#... ... <ms> ms'. Arrival = answer - ms.
ts = []
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) > 3 and f[1] == "POST" and f[2] == "/translate":
        ts.append(float(f[0]) - float(f[-2]) / 1000.0)
ts.sort()
n = len(ts)
# most requests in any window [t, t+1s): slide over each request's start
counts = [bisect.bisect_left(ts, t + 1.0) - i for i, t in enumerate(ts)]
most = max(counts)
at = ts[counts.index(most)] - ts[0]
over = sum(1 for c in counts if c > 51)
gaps = sorted(b - a for a, b in zip(ts, ts[1:]))
rate = (n - 1) / (ts[-1] - ts[0])
print(f"rate: {n} requests at --rate 50: achieved {rate:.2f}/s over {ts[-1]-ts[0]:.1f} s; most arriving in any 1-s window: {most} (limit 50 + burst 1), in the window starting {at:.2f} s in; windows over 51: {over} of {n}; gap between arrivals p1 {gaps[len(gaps)//100]*1000:.1f} ms, median {gaps[len(gaps)//2]*1000:.1f} ms")
EOF
  say "rate: load $(load)"
fi

if [ "$what" = apertium ] || [ "$what" = all ]; then
  if ! command -v apertium-apy >/dev/null; then
    say "apertium: skipped (apertium-apy not installed: apt-get install apertium apertium-eng-spa apertium-apy)"
  else
    port=$(free_port)
    apertium-apy -p "$port" -i 2 -u 1 /usr/share/apertium/modes >"$work/apy.log" 2>&1 &
    pids+=($!)
    wait_http "http://127.0.0.1:$port/listPairs" 60
    n=2400 # long enough that the JVM's start (JIT on a 2-core box that APy also needs) amortises
    gen $n "$work/paras.jsonl" acme 100
    cat >"$work/apy_alone.py" <<'EOF'
import json, sys, time, urllib.parse, urllib.request
from concurrent.futures import ThreadPoolExecutor
port, path, conc = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = [json.loads(l)["text"] for l in open(path)]
def one(t):
    # The same form fields as fanout's APy client sends.
    body = urllib.parse.urlencode({"langpair": "eng|spa", "q": t, "format": "txt", "markUnknown": "no"}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/translate", body, timeout=60) as r:
        r.read()
with ThreadPoolExecutor(conc) as ex:
    list(ex.map(one, texts[:16]))  # warm
    t0 = time.time(); list(ex.map(one, texts)); dt = time.time() - t0
print(f"{len(texts)/dt:.1f}")
EOF
    # Alternate the backend alone and the pipeline, so both see the same machine.
    for round in 1 2; do
      for c in 8 12; do
        say "apertium round $round: APy alone, client concurrency $c: $(python3 "$work/apy_alone.py" "$port" "$work/paras.jsonl" $c) requests/s (load $(load))"
      done
      for w in 8 12; do
        rm -rf "$work/out-apy"
        fanout translate "$work/paras.jsonl" --to es --out "$work/out-apy" --backend apertium --url "http://127.0.0.1:$port" --workers $w --quiet || true
        s=$(elapsed_of "$work/out-apy/.fanout/report.json")
        say "apertium round $round: pipeline through APy, --workers $w: $n documents in $s s = $(python3 -c "print(round($n/$s,1))") documents/s (load $(load))"
      done
    done
    rm -rf "$work/out-local"
    fanout translate "$work/paras.jsonl" --to es --out "$work/out-local" --backend apertium --quiet || true
    s=$(elapsed_of "$work/out-local/.fanout/report.json")
    say "apertium: pipeline, local engine (no server): $n documents in $s s = $(python3 -c "print(round($n/$s,1))") documents/s (load $(load))"
  fi
fi
if [ "$what" = format ] || [ "$what" = all ]; then
  # pseudo: many small documents (the layer's own cost shows); Apertium: fewer, longer ones
  n=50000
  gen_md $n "$work/md.jsonl" markdown 2
  gen_md $n "$work/txt.jsonl" text 2
  for k in 1 2 3; do
    for f in txt md; do
      rm -rf "$work/out-fmt"
      fanout translate "$work/$f.jsonl" --to es --out "$work/out-fmt" --backend pseudo --quiet || true
      s=$(elapsed_of "$work/out-fmt/.fanout/report.json")
      say "format round $k: pseudo, $f: $n documents in $s s = $(python3 -c "print(round($n/$s))") documents/s, $(sent_of "$work/out-fmt/.fanout/report.json") (load $(load))"
    done
  done
  if ! command -v apertium >/dev/null; then
    say "format: Apertium skipped (apt-get install apertium apertium-eng-spa)"
  else
    n=300
    gen_md $n "$work/md-a.jsonl" markdown 3
    gen_md $n "$work/txt-a.jsonl" text 3
    for k in 1 2 3; do
      for f in txt-a md-a; do
        rm -rf "$work/out-fmt"
        fanout translate "$work/$f.jsonl" --to es --out "$work/out-fmt" --backend apertium --quiet || true
        s=$(elapsed_of "$work/out-fmt/.fanout/report.json")
        say "format round $k: local Apertium, $f: $n documents in $s s = $(python3 -c "print(round($n/$s,1))") documents/s, $(sent_of "$work/out-fmt/.fanout/report.json") (load $(load))"
      done
    done
  fi
fi
say "summary: $summary"

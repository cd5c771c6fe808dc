#!/usr/bin/env python3
"""Tables and ratios from JMH JSON results (bench/run.sh calls this).

    python3 bench/report.py [--each] RESULT.json [MORE.json ...]

Each file is one JMH run. Benchmarks are grouped by class (FanOutBenchmark and FanOutStsBenchmark
form one group, "FanOut") and by parameters other than n. Fan-out scores are divided by n, so
every figure is per task. With several files, a cell shows the spread across runs as "min-max"
(with --each: every run's figure, "a / b / c", in the order of the files),
and each ratio is computed inside one run (ours / baseline measured in the same JVM session)
before the spread is taken: runs on a shared machine drift together, ratios drift less.

Methods named fanout_* are ours; jdk_* are the baselines. A ratio above 1.00 means ours is slower.
"""

import json
import re
import sys
from collections import OrderedDict

NS_PER = {"ns/op": 1.0, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}
PERCENTILES = [("p50", "50.0"), ("p90", "90.0"), ("p99", "99.0")]


def load(path):
    with open(path) as f:
        return json.load(f)


def split_name(name):
    cls, method = name.rsplit(".", 1)
    cls = cls.rsplit(".", 1)[-1]
    group = re.sub(r"(Sts)?Benchmark$", "", cls)
    return group, method


def param_key(params, skip=("n",)):
    return tuple(sorted((k, v) for k, v in (params or {}).items() if k not in skip))


def per_task_ns(entry, value):
    """Converts a score (in the entry's unit) to nanoseconds, per task when n is a parameter."""
    unit = entry["primaryMetric"]["scoreUnit"]
    ns = value * NS_PER[unit]
    n = (entry.get("params") or {}).get("n")
    return ns / int(n) if n else ns


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return "%.1f ms" % (ns / 1e6)
    if ns >= 1e4:
        return "%.0f us" % (ns / 1e3)
    if ns >= 1e3:
        return "%.1f us" % (ns / 1e3)
    return "%.0f ns" % ns


EACH = False


def spread(values, fmt):
    if EACH and len(values) > 1:
        return " / ".join("-" if v is None else fmt(v) for v in values)
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    if len(values) == 1 or fmt(lo) == fmt(hi):
        return fmt(lo)
    return "%s-%s" % (fmt(lo), fmt(hi))


def fmt_ratio(r):
    return "%.2f" % r if r >= 0.01 else "%.1e" % r


def table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


# Reading order: the floor first, then the other baselines, then ours; unknown names at the end.
PREFERRED = [
    "jdk_threadPerTask",
    "jdk_invokeAll",
    "jdk_completableFuture",
    "jdk_structuredTaskScope",
    "jdk_semaphoreInTask",
    "jdk_semaphoreBeforeStart",
    "jdk_oneThread",
    "jdk_threadsInterrupt",
    "jdk_executorCancel",
    "jdk_executorCancelAndClose",
    "jdk_completableFutureAllOf",
    "fanout_batch",
    "fanout_batchConcurrency16",
    "fanout_taskGroup",
    "fanout_taskGroupLimit16",
]


def order(methods, group):
    """Baselines first, then ours, each in PREFERRED order (StructuredTaskScope last in FailFast)."""

    def rank(m):
        r = PREFERRED.index(m) if m in PREFERRED else 99
        if group == "FailFast" and m == "jdk_structuredTaskScope":
            r = PREFERRED.index("jdk_completableFutureAllOf") + 0.5
        return (m.startswith("fanout_"), r, m)

    return sorted(methods, key=rank)


def collect(runs):
    """{group: {params-without-n: {n: {method: [entry per run or None]}}}}"""
    data = OrderedDict()
    for i, run in enumerate(runs):
        for e in run:
            group, method = split_name(e["benchmark"])
            key = param_key(e.get("params"))
            n = (e.get("params") or {}).get("n")
            cell = (
                data.setdefault(group, OrderedDict())
                .setdefault(key, OrderedDict())
                .setdefault(n, OrderedDict())
                .setdefault(method, [None] * len(runs))
            )
            cell[i] = e
    return data


def alloc_per_task(entry):
    m = (entry.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
    if not m:
        return None
    n = (entry.get("params") or {}).get("n")
    return m["score"] / int(n) if n else m["score"]


def report(runs, names):
    data = collect(runs)
    out = []
    out.append("runs: " + ", ".join(names))
    for group, by_params in data.items():
        for key, by_n in by_params.items():
            label = ", ".join("%s=%s" % kv for kv in key)
            for n, by_method in by_n.items():
                methods = order(list(by_method), group)
                sample = any(
                    e and e["mode"] == "sample" for es in by_method.values() for e in es
                )
                title = group + (" n=%s" % n if n else "") + (" (%s)" % label if label else "")
                out.append("")
                out.append("## " + title + (" — per task" if n else " — per operation"))
                has_alloc = any(
                    e and alloc_per_task(e) is not None for es in by_method.values() for e in es
                )
                headers = ["benchmark", "mean"]
                if sample:
                    headers += [p for p, _ in PERCENTILES]
                if has_alloc:
                    headers.append("alloc B" + ("/task" if n else "/op"))
                rows = []
                for m in methods:
                    es = by_method[m]
                    row = [m, spread([per_task_ns(e, e["primaryMetric"]["score"]) if e else None for e in es], fmt_ns)]
                    if sample:
                        for _, p in PERCENTILES:
                            row.append(
                                spread(
                                    [
                                        per_task_ns(e, e["primaryMetric"]["scorePercentiles"][p])
                                        if e
                                        else None
                                        for e in es
                                    ],
                                    fmt_ns,
                                )
                            )
                    if has_alloc:
                        row.append(spread([alloc_per_task(e) if e else None for e in es], lambda b: "%.0f" % b))
                    rows.append(row)
                out.append(table(headers, rows))
                ours = [m for m in methods if m.startswith("fanout_")]
                base = [m for m in methods if not m.startswith("fanout_")]
                if not ours or not base:
                    continue
                stat = "p50" if sample else "mean"
                out.append("")
                out.append("ratio ours / baseline (%s, same run; >1 = ours slower)" % stat)
                rrows = []
                for o in ours:
                    rr = [o]
                    for b in base:
                        ratios = []
                        for eo, eb in zip(by_method[o], by_method[b]):
                            if eo and eb and score(eb, sample):
                                ratios.append(score(eo, sample) / score(eb, sample))
                            else:
                                ratios.append(None)
                        rr.append(spread(ratios, fmt_ratio))
                    rrows.append(rr)
                out.append(table(["ours \\ baseline"] + base, rrows))
    return "\n".join(out)


def score(e, sample):
    pm = e["primaryMetric"]
    return pm["scorePercentiles"]["50.0"] if sample else pm["score"]


def main(argv):
    global EACH
    args = argv[1:]
    if args and args[0] == "--each":
        EACH = True
        args = args[1:]
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = [load(p) for p in args]
    print(report(runs, args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Merges the result files of one tools/bench.sh run into results.json and results.csv, and
prints them as one table per benchmark.

Usage: suite_report.py PARTS_DIR OUT_DIR META_JSON
PARTS_DIR holds one JSON array of rows per benchmark (bench/common/bench_report.h's format);
META_JSON describes the run (date, machine, mode, load, commands).
"""
import csv
import json
import math
import os
import sys

ORDER = ["kafka", "drift", "online", "ari", "lookup", "scale", "growth", "callgrind", "ingest"]
TITLES = {
    "kafka": "1. Ingest vs raw Kafka (dev broker)",
    "drift": "2. Baseline fit vs scikit-learn KMeans; 4. drift evaluation",
    "online": "3. Online updates vs scikit-learn MiniBatchKMeans.partial_fit",
    "ari": "4. ARI vs scikit-learn adjusted_rand_score",
    "lookup": "5. Lookups (wrk)",
    "scale": "6. Scale with size",
    "growth": "6b. Disk as one population's history grows",
    "callgrind": "7. Instruction counts (callgrind)",
    "ingest": "Ingest, generated history (one core and end to end)",
}


def fmt(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.4g}"
    return f"{v:.3g}"


def main():
    parts, out, meta_path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(meta_path) as f:
        meta = json.load(f)
    rows = []
    for name in sorted(os.listdir(parts)):
        if name.endswith(".json"):
            with open(os.path.join(parts, name)) as f:
                rows.extend(json.load(f))
    rows.sort(key=lambda r: ORDER.index(r["benchmark"]) if r["benchmark"] in ORDER else 99)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["benchmark", "case", "metric", "unit", "median", "min", "max", "runs", "note"])
        for r in rows:
            w.writerow([r["benchmark"], r["case"], r["metric"], r["unit"], r["median"], r["min"],
                        r["max"], ";".join(str(x) for x in r["runs"]), r["note"]])

    print(f"\nsegd benchmark suite, {meta['date']}, {meta['machine']}, mode {meta['mode']}")
    print(f"build {meta['build']}; load before: {meta['load_before']}")
    current = None
    for r in rows:
        if r["benchmark"] != current:
            current = r["benchmark"]
            print(f"\n{TITLES.get(current, current)}")
            print(f"  {'case':<46} {'metric':<46} {'median':>12} {'min':>12} {'max':>12}  unit")
        n = len(r["runs"])
        spread = (fmt(r["min"]), fmt(r["max"])) if n > 1 else ("", "")
        print(f"  {r['case'][:46]:<46} {r['metric'][:46]:<46} {fmt(r['median']):>12} "
              f"{spread[0]:>12} {spread[1]:>12}  {r['unit']}")
    failed = meta.get("failed", [])
    print(f"\nwrote {out}/results.json and {out}/results.csv"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))


if __name__ == "__main__":
    main()

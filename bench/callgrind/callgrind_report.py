#!/usr/bin/python3
"""Turns a callgrind output of segd-bench-callgrind into instructions (Ir) per event.

Usage: callgrind_report.py CALLGRIND_OUT EVENTS CASE
Prints a JSON array of result rows (the format of bench/common/bench_report.h): the total Ir per
event, then the inclusive Ir per event of the stages of the path (decode, apply with its
lookups, commit with RocksDB's memtable and WAL, allocation), then the 8 functions with the
highest self cost. A stage whose function is not in the profile (renamed, inlined) is left out.
"""
import json
import re
import subprocess
import sys

# (label, regular expression matched against the demangled function name).
STAGES = [
    ("decode (IngestPipeline::DecodeAll)", r"^segd::IngestPipeline::DecodeAll\("),
    ("  simdjson decode + validation (EventDecoder::Decode)", r"^segd::EventDecoder::Decode\("),
    ("apply (IngestPipeline::ApplyRange)", r"^segd::IngestPipeline::ApplyRange\("),
    ("  lookups per micro-batch (MicroBatch::Prefetch)", r"^segd::MicroBatch::Prefetch\("),
    ("  state semantics (EventApplier::Apply)", r"^segd::EventApplier::Apply\("),
    ("commit (IngestPipeline::CommitDelta)", r"^segd::IngestPipeline::CommitDelta\("),
    ("  RocksDB memtable inserts (MemTable::Add)", r"^rocksdb::MemTable::Add\("),
    ("  RocksDB WAL append (DBImpl::WriteToWAL)", r"^rocksdb::DBImpl::WriteToWAL\(.*WriteGroup"),
    ("  state encoding (StateCodec / Encode*)", r"^segd::Encode\w*\("),
]
ALLOCATION = {"malloc", "free", "cfree", "realloc", "calloc"}
LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S*?):(.*?)(?: \[(.*)\])?$")


def costs(path, inclusive):
    out = subprocess.run(["callgrind_annotate", "--threshold=100",
                          "--inclusive=" + ("yes" if inclusive else "no"), path],
                         capture_output=True, text=True, check=True).stdout
    rows, total = [], None
    for line in out.splitlines():
        if line.rstrip().endswith("PROGRAM TOTALS"):
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), m.group(3), m.group(4) or ""))
    return total, rows


def main():
    path, events, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    total, inclusive = costs(path, True)
    _, self_cost = costs(path, False)
    results = []

    def row(metric, ir, note=""):
        results.append({"benchmark": "callgrind", "case": case, "metric": metric,
                        "unit": "Ir/event", "median": ir / events, "min": ir / events,
                        "max": ir / events, "runs": [ir / events], "note": note})

    row("total", total, f"{events} events counted after a warm-up; valgrind --tool=callgrind")
    for label, pattern in STAGES:
        matches = [ir for ir, fn, _ in inclusive if re.search(pattern, fn)]
        if matches:
            row(label, max(matches), "inclusive")
    allocation = sum(ir for ir, fn, _ in inclusive if fn.split("@")[0] in ALLOCATION)
    row("allocation (malloc/free, inclusive)", allocation, "inclusive")
    for ir, fn, lib in sorted(self_cost, reverse=True)[:8]:
        short = fn.replace("(anonymous namespace)", "{anonymous}").replace("operator()", "operator<>")
        short = re.sub(r"\(.*", "", short).replace("operator<>", "operator()")
        row("self: " + short, ir, lib.rsplit("/", 1)[-1])
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

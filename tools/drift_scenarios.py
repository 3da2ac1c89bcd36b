#!/usr/bin/env python3
"""The drift scenario table in README.md: `segd simulate --generate` for every planted change and
size and for stationary two-year histories, with the detectors `segd simulate` reports beside the
study (calibrated, ARI < 0.8 online and refit, PSI alone). Deterministic (fixed seeds).

  tools/drift_scenarios.py [--segd build/src/segd] [--config config/segd.yaml] [--out DIR]

Prints a Markdown table: per scenario and size, the days of event time from the change's start
to the first evaluation with the alert up ("never"; "before" when it was already up); for the
stationary histories, how many times each alert rose over the two years."""
import argparse
import csv
import datetime
import os
import subprocess
import sys
import tempfile

DRIFT_START = "2018-01-01"
KINDS = ["new_customer_spend", "spend_shift", "frequency_shift", "new_customer_mix",
         "review_collapse"]
SIZES = ["mild", "moderate", "strong"]
FACTORS = {"spend_shift": (1.5, 2.5, 4), "frequency_shift": (1.5, 3, 6),
           "new_customer_spend": (0.75, 0.5, 0.3), "new_customer_mix": (0.03, 0.08, 0.2),
           "review_collapse": (0.2, 0.4, 0.7)}
COLUMNS = ["detector_alert", "ari_online_alert", "ari_refit_alert", "psi_alert"]
STATIONARY_SEEDS = [42, 7, 11, 5]


def day(text):
    return datetime.date.fromisoformat(text)


def simulate(segd, config, out, args):
    cmd = [segd, "--config", config, "simulate", "--generate", "--starts", "1", "--out-dir", out]
    subprocess.run(cmd + args, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "simulate.csv")) as f:
        return list(csv.DictReader(f))


def delay(rows, column):
    start = day(DRIFT_START)
    before = [r for r in rows if day(r["time"]) < start]
    if before and before[-1][column] == "1":
        return "before"
    for r in rows:
        if day(r["time"]) >= start and r[column] == "1":
            return str((day(r["time"]) - start).days)
    return "never"


def raises(rows, column):
    up, count = False, 0
    for r in rows:
        now = r[column] == "1"
        count += now and not up
        up = now
    return str(count)


def review_config(config, directory):
    with open(config) as f:
        text = f.read()
    anchor = "    - name: monetary_total\n      transform: log1p\n"
    if anchor not in text:
        sys.exit("cannot add mean_review to the features of " + config)
    path = os.path.join(directory, "review.yaml")
    with open(path, "w") as f:
        f.write(text.replace(anchor, anchor + "    - name: mean_review\n", 1))
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--segd", default="build/src/segd")
    p.add_argument("--config", default="config/segd.yaml")
    p.add_argument("--out", default=None, help="keep each run's outputs here")
    a = p.parse_args()
    work = a.out or tempfile.mkdtemp(prefix="segd-scenarios-")
    os.makedirs(work, exist_ok=True)
    review = review_config(a.config, work)
    print("| scenario | size (factor) | calibrated (default) | ARI < 0.8 online | "
          "ARI < 0.8 refit | PSI alone |")
    print("|---|---|---|---|---|---|")
    for kind in KINDS:
        config = review if kind == "review_collapse" else a.config
        for i, size in enumerate(SIZES):
            rows = simulate(a.segd, config, os.path.join(work, f"{kind}-{size}"),
                            ["--customers", "40000", "--drift-start", DRIFT_START,
                             "--drift-kind", kind, "--drift-size", size])
            cells = [delay(rows, c) for c in COLUMNS]
            print(f"| {kind} | {size} ({FACTORS[kind][i]}) | " + " | ".join(cells) + " |")
    for config, label in [(a.config, "default features"), (review, "with mean_review")]:
        seeds = STATIONARY_SEEDS if config == a.config else STATIONARY_SEEDS[:2]
        for seed in seeds:
            rows = simulate(a.segd, config, os.path.join(work, f"none-{label[:4]}-{seed}"),
                            ["--seed", str(seed), "--customers", "57000",
                             "--history-end", "2019-09-14"])
            cells = [raises(rows, c) + " raised" for c in COLUMNS]
            print(f"| stationary, seed {seed}, {label} | {len(rows)} evaluations | " +
                  " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

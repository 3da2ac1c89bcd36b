#!/usr/bin/env python3
"""Failover after a SIGKILL, with and without a standby replica (issue 15).

Real processes on one segd-devbroker: instance A consumes a generated history alone, then
instance S joins the group (it restores its half from the changelog: a full restore), both
settle (with cluster.standby_replicas: 1, S also tails A's changelog until it is behind by
nothing). A sample of A's customers (a few per partition A owns, each checked to answer 200 at A
with the hop header, i.e. served by A itself) is then looked up at S while A is SIGKILLed: the
failover time is from the kill until every sampled customer answers 200 at S (503 with
Retry-After in between). S's restore figures come from its log lines and /metrics
(segd_restore_*). Standard library only; kcat (optional) checks partition sizes.

  python3 bench/failover/failover_bench.py --build build-bench --runs 3
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import datetime, timezone

LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z ")
RESTORED = re.compile(
    r"partition (\d+): restored (\d+) customers \((\d+) new\) from (\d+) changelog entries "
    r"in ([\d.]+) s \(([\d.]+) customers/s\)")
RESTORING = re.compile(r"partition (\d+): restoring from the changelog")
METRIC = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def log_time(line):
    m = LOG_TIME.match(line)
    if not m:
        return None
    return datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc).timestamp()


class Instance:
    def __init__(self, name, work, build, brokers, args, standbys):
        self.name = name
        self.store = os.path.join(work, name + "-store")
        self.config = os.path.join(work, name + ".yaml")
        self.log = os.path.join(work, name + ".log")
        self.port = None
        self.proc = None
        self.binary = os.path.join(build, "src", "segd")
        with open(self.config, "w") as f:
            f.write(f"""kafka:
  brokers: "{brokers}"
  topics: [{args.topic}]
  group_id: {args.group}
  client_id: segd-{name}
  auto_offset_reset: error
  session_timeout_ms: {args.session_timeout_ms}
  heartbeat_interval_ms: {args.heartbeat_interval_ms}
storage:
  path: {self.store}
http:
  bind: "127.0.0.1:0"
drift:
  every_seconds: 3600
  every_event_days: 0
cluster:
  heartbeat_ms: 200
  member_timeout_ms: {args.member_timeout_ms}
  standby_replicas: {standbys}
""")

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([self.binary, "--config", self.config, "run"],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            m = re.search(r"serving http://127\.0\.0\.1:(\d+)/", self.read_log())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start; see {self.log}")

    def read_log(self, offset=0):
        with open(self.log, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def log_size(self):
        return os.path.getsize(self.log)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.logf.close()

    def get(self, path, headers=None, conn=None, timeout=5):
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            if own:
                c.close()

    def metrics(self):
        status, body = self.get("/metrics")
        out = {}
        for line in body.decode().splitlines():
            m = METRIC.match(line)
            if m:
                out[(m.group(1), m.group(2) or "")] = float(m.group(3))
        return out


def metric(ms, name, labels=""):
    return ms.get((name, labels), 0.0)


def family(ms, name):
    return {labels: v for (n, labels), v in ms.items() if n == name}


def lag_partitions(ms):
    """The partitions an instance owns (its consumer lag series) and their summed lag."""
    parts, lag = set(), 0.0
    for labels, v in family(ms, "segd_consumer_lag_messages").items():
        parts.add(int(re.search(r'partition="(\d+)"', labels).group(1)))
        lag += v
    return parts, lag


def wait_for(what, predicate, timeout, poll=0.25):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            ok, last = predicate()
            if ok:
                return last
        except (OSError, http.client.HTTPException) as e:
            last = repr(e)
        time.sleep(poll)
    raise RuntimeError(f"timed out waiting for {what}: {last}")


def restore_lines(text):
    """Per-partition restore figures from log text, plus the first 'restoring' time and the last
    'restored' time (the wall-clock span of the restores)."""
    rows, first, last = [], None, None
    for line in text.splitlines():
        t = log_time(line)
        if RESTORING.search(line) and first is None:
            first = t
        m = RESTORED.search(line)
        if m:
            rows.append({"partition": int(m.group(1)), "customers": int(m.group(2)),
                         "new": int(m.group(3)), "entries": int(m.group(4)),
                         "seconds": float(m.group(5))})
            last = t
    return rows, first, last


def restore_counters(ms):
    return {k: metric(ms, "segd_restore_" + k) for k in
            ("entries_total", "customers_total", "seconds_total")} | {
        "completed": metric(ms, "segd_restores_completed_total")}


def partition_sizes(kcat, brokers, topic):
    """(max bytes, max messages, min low offset) over the topic's partitions, or None."""
    if not kcat:
        return None
    out = subprocess.run([kcat, "-C", "-b", brokers, "-t", topic, "-e", "-q", "-f", "%p %o %S %K\n"],
                         capture_output=True, text=True, timeout=300).stdout
    size, count, low = {}, {}, {}
    for line in out.splitlines():
        f = line.split(" ", 3)
        if len(f) < 3:
            continue
        p, o, s = int(f[0]), int(f[1]), int(f[2])
        key = len(f[3]) if len(f) > 3 else 0
        size[p] = size.get(p, 0) + max(s, 0) + key + 70  # + record and header overhead
        count[p] = count.get(p, 0) + 1
        low[p] = min(low.get(p, o), o)
    return max(size.values()), max(count.values()), min(low.values())


def one_run(run, standbys, args, ids_by_partition, events):
    work = tempfile.mkdtemp(prefix=f"segd-failover-{run}-", dir=args.workdir)
    build = args.build
    broker_addr = os.path.join(work, "broker.addr")
    broker = subprocess.Popen(
        [os.path.join(build, "tools", "devbroker", "segd-devbroker"),
         "--topic", f"{args.topic}:{args.partitions}",
         "--topic", f"{args.group}.changelog:{args.partitions}",
         "--address-file", broker_addr],
        stdout=open(os.path.join(work, "broker.log"), "w"), stderr=subprocess.STDOUT)
    a = s = None
    try:
        wait_for("the broker", lambda: (os.path.exists(broker_addr), None), 20, 0.05)
        brokers = open(broker_addr).read().strip()
        subprocess.run([os.path.join(build, "tools", "replay", "segd-replay"), "generate",
                        "--customers", str(args.customers), "--seed", str(args.seed),
                        "--brokers", brokers, "--topic", args.topic],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        a = Instance("a", work, build, brokers, args, standbys)
        s = Instance("s", work, build, brokers, args, standbys)

        # A alone consumes the whole history.
        a.start()
        t = time.time()

        def a_caught_up():
            ms = a.metrics()
            parts, lag = lag_partitions(ms)
            applied = metric(ms, "segd_events_applied_total")
            return len(parts) == args.partitions and lag == 0 and applied >= events, \
                (len(parts), lag, applied)
        wait_for("A to consume the history", a_caught_up, 600)
        a_ingest = time.time() - t

        # S joins: it restores the partitions it is given from the changelog (S never had them).
        s.start()

        def settled():
            ma, mss = a.metrics(), s.metrics()
            pa, la = lag_partitions(ma)
            ps, ls = lag_partitions(mss)
            ok = (metric(ma, "segd_cluster_members") == 2 and metric(mss, "segd_cluster_members") == 2
                  and pa and ps and not (pa & ps) and len(pa | ps) == args.partitions
                  and la == 0 and ls == 0
                  and metric(mss, "segd_restore_active_partitions") == 0
                  and metric(ma, "segd_restore_active_partitions") == 0)
            sb = metric(mss, "segd_standby_partitions")
            behind = metric(mss, "segd_standby_behind_entries")
            if standbys:
                ok = ok and sb == len(pa) and behind == 0 and \
                    metric(mss, "segd_standby_entries_total") > 0
            else:
                ok = ok and sb == 0
            return ok, (len(pa), len(ps), la, ls, sb, behind)
        wait_for("A and S to settle", settled, 300)
        time.sleep(args.settle_seconds)  # member records, live exchange, standby rounds
        wait_for("A and S to settle (again)", settled, 60)
        join_rows, join_first, join_last = restore_lines(s.read_log())
        a_parts, _ = lag_partitions(a.metrics())
        before = s.metrics()
        standby_entries = metric(before, "segd_standby_entries_total")

        # The sample: customers of A's partitions that A serves itself (hop header: no forward).
        sample = []
        for p in sorted(a_parts):
            for cid in ids_by_partition[p][:args.sample_per_partition]:
                st, _ = a.get("/v1/customers/" + cid, {"X-Segd-Forwarded": "1"})
                if st != 200:
                    raise RuntimeError(f"customer {cid} of A's partition {p}: {st} at A (hop)")
                st, _ = s.get("/v1/customers/" + cid, {"X-Segd-Forwarded": "1"})
                if st == 200:
                    raise RuntimeError(f"customer {cid} of A's partition {p}: S serves it too")
                st, _ = s.get("/v1/customers/" + cid)
                if st != 200:
                    raise RuntimeError(f"customer {cid}: {st} at S before the kill")
                sample.append((p, cid))

        # SIGKILL A, poll S until every sampled customer answers 200.
        log_offset = s.log_size()
        pending = {cid: p for p, cid in sample}
        statuses = {}
        first_200 = {}
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        t0_wall = time.time()
        t0 = time.monotonic()
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        while pending:
            now = time.monotonic()
            if now - t0 > args.timeout:
                raise RuntimeError(f"failover not complete after {args.timeout} s: "
                                   f"{len(pending)} pending, statuses {statuses}")
            # One request per partition still pending per round (the first of its pending ids;
            # the rest of a partition once one of its ids answers 200), so that polling does not
            # compete with the restore for the 2 cores.
            heads, seen_p = [], set()
            for cid, p in pending.items():
                if p not in seen_p:
                    seen_p.add(p)
                    heads.append(cid)
            queue = heads
            while queue:
                cid = queue.pop()
                try:
                    st, _ = s.get("/v1/customers/" + cid, conn=conn)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
                    st = "conn"
                statuses[st] = statuses.get(st, 0) + 1
                if st == 200:
                    first_200[cid] = time.monotonic() - t0
                    p = pending.pop(cid)
                    queue.extend(c for c, q in pending.items() if q == p and c not in queue)
            time.sleep(args.poll_ms / 1000)
        failover = max(first_200.values())
        conn.close()
        after = s.metrics()
        text = s.read_log(log_offset)
        rows, r_first, r_last = restore_lines(text)
        lines = text.splitlines()
        revoked = [log_time(l) for l in lines if "partitions revoked" in l]
        assigned = [log_time(l) for l in lines if "partitions assigned" in l]
        early = sum(1 for cid, t in first_200.items()
                    if not revoked or t0_wall + t < revoked[0])
        c0, c1 = restore_counters(before), restore_counters(after)
        fo_rows = [r for r in rows if r["partition"] in a_parts]
        result = {
            "run": run, "standbys": standbys, "a_partitions": len(a_parts),
            "sample": len(sample), "failover_s": failover,
            "first_200_s": min(first_200.values()),
            # S's rebalance: revoked (it noticed A's death), assigned (logged after the restores)
            "revoked_s": (revoked[0] - t0_wall) if revoked else None,
            "restore_start_s": (r_first - t0_wall) if r_first else None,
            "assigned_s": (assigned[0] - t0_wall) if assigned else None,
            "answered_before_rebalance": early,
            "statuses": {str(k): v for k, v in statuses.items()},
            "restore": {
                "partitions": len(rows), "a_partitions_restored": len(fo_rows),
                "customers": sum(r["customers"] for r in rows),
                "new": sum(r["new"] for r in rows),
                "entries": sum(r["entries"] for r in rows),
                "seconds_logged": sum(r["seconds"] for r in rows),
                "span_s": (r_last - r_first) if r_first and r_last else 0.0,
                "metrics_delta": {k: c1[k] - c0[k] for k in c0},
            },
            "join_restore": {
                "partitions": len(join_rows),
                "customers": sum(r["customers"] for r in join_rows),
                "entries": sum(r["entries"] for r in join_rows),
                "seconds_logged": sum(r["seconds"] for r in join_rows),
                "span_s": (join_last - join_first) if join_first and join_last else 0.0,
                "metrics": c0,
            },
            "standby_entries_before_kill": standby_entries,
            "a_ingest_s": a_ingest,
            "work": work,
        }
        if args.sizes and run == 1:
            result["sizes"] = {t: partition_sizes(shutil.which("kcat"), brokers, t)
                               for t in (args.topic, args.group + ".changelog")}
        return result
    finally:
        for inst in (s, a):
            if inst is not None:
                inst.stop()
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(10)
        except subprocess.TimeoutExpired:
            broker.kill()
        if not args.keep:
            for inst in (s, a):
                if inst is not None:
                    shutil.rmtree(inst.store, ignore_errors=True)


def opt(v):
    return "-" if v is None else f"{v:.2f}"


def median_row(rs, key):
    vals = [key(r) for r in rs]
    return statistics.median(vals), min(vals), max(vals)


def fmt(t, digits=2):
    m, lo, hi = t
    return f"{m:,.{digits}f} ({lo:,.{digits}f}-{hi:,.{digits}f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--customers", type=int, default=600000)
    ap.add_argument("--partitions", type=int, default=128)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--runs", type=int, default=3, help="runs per mode (modes alternate)")
    ap.add_argument("--modes", default="1,0", help="cluster.standby_replicas values to compare")
    ap.add_argument("--sample-per-partition", type=int, default=3)
    ap.add_argument("--session-timeout-ms", type=int, default=3000)
    ap.add_argument("--heartbeat-interval-ms", type=int, default=500)
    ap.add_argument("--member-timeout-ms", type=int, default=30000,
                    help="keep it above the failover time: a member that believes itself alone "
                    "answers every lookup from its own store (README, and the bench notes)")
    ap.add_argument("--settle-seconds", type=float, default=3.0)
    ap.add_argument("--poll-ms", type=float, default=100, help="pause between polling rounds")
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--topic", default="orders")
    ap.add_argument("--group", default="fo")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--json", default=None, help="write every run's figures here")
    ap.add_argument("--sizes", action="store_true",
                    help="check partition sizes with kcat in the first run (the mock keeps ~5 MiB)")
    ap.add_argument("--keep", action="store_true", help="keep stores and logs")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    modes = [int(m) for m in args.modes.split(",")]

    # The customer ids and their partitions (librdkafka's consistent_random: CRC32 % count).
    print(f"generating {args.customers} customers (seed {args.seed}) for the ids...", flush=True)
    out = subprocess.run([os.path.join(args.build, "tools", "replay", "segd-replay"), "generate",
                          "--customers", str(args.customers), "--seed", str(args.seed),
                          "--out", "-"], capture_output=True, text=True, check=True).stdout
    subject = re.compile(r'"subject":"([^"]+)"')
    ids_by_partition, seen, events = {}, set(), 0
    for line in out.splitlines():
        m = subject.search(line)
        if not m:
            continue
        events += 1
        cid = m.group(1)
        if cid in seen:
            continue
        seen.add(cid)
        ids_by_partition.setdefault(zlib.crc32(cid.encode()) % args.partitions, []).append(cid)
    del out
    print(f"{events} events, {len(seen)} customers, {args.partitions} partitions", flush=True)

    results = []
    for run in range(1, args.runs + 1):
        for standbys in modes:
            r = one_run(run, standbys, args, ids_by_partition, events)
            results.append(r)
            rs = r["restore"]
            print(f"run {run} standby_replicas={standbys}: failover {r['failover_s']:.2f} s "
                  f"(first 200 at {r['first_200_s']:.2f} s; S revoked at {opt(r['revoked_s'])} s, "
                  f"restore from {opt(r['restore_start_s'])} s, assigned at {opt(r['assigned_s'])} s; "
                  f"{r['answered_before_rebalance']} sampled customers answered 200 before S's "
                  f"rebalance); "
                  f"restored {rs['customers']} customers ({rs['new']} new) from {rs['entries']} "
                  f"entries in {rs['partitions']} partitions, {rs['seconds_logged']:.2f} s logged, "
                  f"span {rs['span_s']:.2f} s; statuses {r['statuses']}; "
                  f"join restore {r['join_restore']['customers']} customers in "
                  f"{r['join_restore']['metrics']['seconds_total']:.2f} s", flush=True)
            if "sizes" in r:
                print(f"  partition sizes (max bytes, max messages, lowest offset): {r['sizes']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

    # Customers and entries from the log lines (segd_restore_customers_total and _entries_total
    # also count standby tailing), seconds from segd_restore_seconds_total (unrounded).
    def seconds(rs):
        return (rs["metrics_delta"] if "metrics_delta" in rs else rs["metrics"])["seconds_total"]

    def rate(rs):
        return rs["customers"] / seconds(rs) if seconds(rs) else 0.0

    print()
    print("| standby_replicas | failover s (SIGKILL to all sampled 200) | S revoked s | "
          "restored customers | changelog entries | restore s | restore span s | "
          "customers/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for standbys in modes:
        rs = [r for r in results if r["standbys"] == standbys]
        print(f"| {standbys} | {fmt(median_row(rs, lambda r: r['failover_s']))} | "
              f"{fmt(median_row(rs, lambda r: r['revoked_s'] or 0))} | "
              f"{statistics.median(r['restore']['customers'] for r in rs):,.0f} | "
              f"{statistics.median(r['restore']['entries'] for r in rs):,.0f} | "
              f"{fmt(median_row(rs, lambda r: seconds(r['restore'])), 3)} | "
              f"{fmt(median_row(rs, lambda r: r['restore']['span_s']))} | "
              f"{fmt(median_row(rs, lambda r: rate(r['restore'])), 0)} |")
    # In standby runs S may tail the changelog before its own assignment: not a full restore.
    joins = [r["join_restore"] for r in results if r["standbys"] == 0 and r["join_restore"]["customers"]]
    print(f"\nS joining (full restore of its half into an empty store, standby_replicas 0 runs): "
          f"{statistics.median(j['customers'] for j in joins):,.0f} customers, "
          f"{fmt(median_row(joins, seconds), 3)} s, "
          f"{fmt(median_row(joins, rate), 0)} customers/s")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks deploy/grafana/dashboards/segd-drift.json (standard library only).

Asserts: schemaVersion >= 37; the stable uid and title; the template variables `datasource`
(a Prometheus datasource variable), `job` and `instance` (label_values over segd_build_info,
refreshed on time range change); every panel has a description, a fieldConfig.defaults.unit,
the ${datasource} datasource (panel and query), a unique id and a gridPos inside the 24-column
grid that overlaps no other panel; every query (and annotation query) selects each metric with
job=~"$job" and instance=~"$instance", and uses only metrics segd exports (the list below);
the ARI panel draws the segd_drift_threshold series and threshold lines.
(That every metric exists in a real scrape and every query runs on a real Prometheus:
tests/integration/prometheus_test.cc.)

Usage: check_dashboard.py DASHBOARD.json   (exit status 0: fine, 1: problems listed on stderr)
"""
import json
import re
import sys

# Every metric segd exposes on GET /metrics. Histograms add _bucket, _sum and _count.
COUNTERS = [
    "segd_events_consumed_total", "segd_events_applied_total", "segd_events_duplicate_total",
    "segd_events_rejected_total", "segd_batches_committed_total", "segd_model_retrains_total",
    "segd_cluster_forwarded_requests_total", "segd_history_gap_accepted_total",
    "segd_segment_changes_total", "segd_segment_change_events_sent_total",
    "segd_segment_change_send_seconds_total", "segd_relabel_customers_scanned_total",
]
HISTOGRAMS = ["segd_batch_commit_duration_seconds", "segd_http_request_duration_seconds"]
GAUGES = [
    "segd_ready", "segd_build_info", "segd_customers", "segd_watermark_timestamp_seconds",
    "segd_consumer_lag_messages", "segd_drift_ari", "segd_drift_threshold",
    "segd_retrain_recommended", "segd_drift_severity", "segd_baseline_version", "segd_model_info",
    "segd_live_model_updates", "segd_drift_customers", "segd_drift_evaluation_duration_seconds",
    "segd_drift_evaluation_timestamp_seconds", "segd_segment_share_psi", "segd_segment_customers",
    "segd_segment_centroid_shift", "segd_segment_migration_customers", "segd_cluster_members",
    "segd_cluster_leader", "segd_cluster_member_partitions", "segd_cluster_live_partitions",
    "segd_cluster_live_oldest_age_seconds", "segd_drift_detector_statistic",
    "segd_drift_detector_limit", "segd_drift_as_of_timestamp_seconds",
    "segd_relabel_baseline_version",
]
METRICS = set(COUNTERS) | set(GAUGES) | {
    h + suffix for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}

# PromQL words that are not metric names: aggregations (which may be followed by a by/without
# clause before their "("), keywords and literals. Functions are recognised by the "(" after them.
KEYWORDS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
    "topk", "quantile", "by", "without", "on", "ignoring", "group_left", "group_right", "and",
    "or", "unless", "bool", "offset", "atan2", "inf", "nan",
}
JOB = 'job=~"$job"'
INSTANCE = 'instance=~"$instance"'


def metric_selectors(expr):
    """(metric name, label-matcher text or None) for every metric selector in `expr`."""
    result = []
    i, n = 0, len(expr)

    def skip_string(j):
        quote = expr[j]
        j += 1
        while j < n and expr[j] != quote:
            j += 2 if expr[j] == "\\" else 1
        return j + 1

    def skip_until(j, close):
        while j < n and expr[j] != close:
            j = skip_string(j) if expr[j] in "\"'`" else j + 1
        return j + 1

    while i < n:
        c = expr[i]
        if c in "\"'`":
            i = skip_string(i)
        elif c == "[":
            i = skip_until(i + 1, "]")  # range or subquery durations
        elif c == "{":
            i = skip_until(i + 1, "}")  # matchers without a metric name: checked below
        elif c == "$":
            m = re.match(r"\$\{?\w+\}?", expr[i:])
            i += len(m.group(0)) if m else 1
        elif c.isdigit() or (c == "." and expr[i + 1:i + 2].isdigit()):
            m = re.match(r"[0-9.]+(e[+-]?[0-9]+)?[a-zA-Z]*", expr[i:])
            i += len(m.group(0))
        elif c.isalpha() or c in "_:":
            m = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", expr[i:])
            word = m.group(0)
            i += len(word)
            j = i
            while j < n and expr[j].isspace():
                j += 1
            nxt = expr[j] if j < n else ""
            if word in ("by", "without", "on", "ignoring", "group_left", "group_right"):
                if nxt == "(":
                    i = skip_until(j + 1, ")")  # label names
            elif nxt == "(" or word.lower() in KEYWORDS:
                pass  # a function, an aggregation or a keyword
            else:
                matchers = None
                if nxt == "{":
                    end = skip_until(j + 1, "}")
                    matchers = expr[j + 1:end - 1]
                    i = end
                result.append((word, matchers))
        else:
            i += 1
    return result


def check_expr(where, expr, errors):
    if not expr.strip():
        errors.append(f"{where}: empty query")
        return
    selectors = metric_selectors(expr)
    if not selectors:
        errors.append(f"{where}: no metric in query: {expr}")
    for name, matchers in selectors:
        if name not in METRICS:
            errors.append(f"{where}: {name} is not a metric segd exports (query: {expr})")
        if matchers is None or JOB not in matchers or INSTANCE not in matchers:
            errors.append(f"{where}: {name} is not selected with {{{JOB}, {INSTANCE}}}: {expr}")


def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))  # panels inside collapsed rows


def main(path):
    errors = []
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print(f"dashboard: cannot read {path}: {e}", file=sys.stderr)
        return 1

    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 37:
        errors.append(f"schemaVersion must be >= 37, is {d.get('schemaVersion')}")
    if d.get("uid") != "segd-drift":
        errors.append(f"uid must be the stable 'segd-drift', is {d.get('uid')!r}")
    if d.get("title") != "segd: segmentation drift":
        errors.append(f"title must be 'segd: segmentation drift', is {d.get('title')!r}")

    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    for name in ("datasource", "job", "instance"):
        if name not in variables:
            errors.append(f"missing template variable ${name}")
    ds = variables.get("datasource", {})
    if ds and (ds.get("type") != "datasource" or ds.get("query") != "prometheus"):
        errors.append("$datasource must be a datasource variable with query 'prometheus'")
    for name in ("job", "instance"):
        v = variables.get(name)
        if not v:
            continue
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        if v.get("type") != "query":
            errors.append(f"${name} must be a query variable")
        if not re.match(r'label_values\(\s*segd_build_info\b.*,\s*' + name + r'\s*\)$', q):
            errors.append(f"${name} must be label_values(segd_build_info..., {name}), is {q!r}")
        if v.get("refresh") != 2:
            errors.append(f"${name} must refresh on time range change (refresh: 2)")
        if v.get("datasource", {}).get("uid") != "${datasource}":
            errors.append(f"${name} must query the ${{datasource}} datasource")

    ids = {}
    rects = []
    threshold_panel = False
    panels = list(all_panels(d.get("panels", [])))
    if not panels:
        errors.append("no panels")
    for p in panels:
        pid = p.get("id")
        title = f"panel {pid} ({p.get('title', '?')})"
        if pid is None:
            errors.append(f"{title}: no id")
        elif pid in ids:
            errors.append(f"{title}: duplicate id (also {ids[pid]})")
        else:
            ids[pid] = title
        g = p.get("gridPos", {})
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if not all(isinstance(v, int) for v in (x, y, w, h)) or w <= 0 or h <= 0:
            errors.append(f"{title}: gridPos needs integer x, y and positive w, h: {g}")
        else:
            if x < 0 or y < 0 or x + w > 24:
                errors.append(f"{title}: gridPos outside the 24-column grid: {g}")
            for other, (ox, oy, ow, oh) in rects:
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    errors.append(f"{title}: gridPos overlaps {other}")
            rects.append((title, (x, y, w, h)))
        if p.get("type") == "row":
            continue
        if not str(p.get("description", "")).strip():
            errors.append(f"{title}: no description")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            errors.append(f"{title}: no fieldConfig.defaults.unit")
        if p.get("datasource", {}).get("uid") != "${datasource}":
            errors.append(f"{title}: datasource is not ${{datasource}}")
        targets = p.get("targets", [])
        if not targets:
            errors.append(f"{title}: no queries")
        for t in targets:
            where = f"{title} query {t.get('refId', '?')}"
            if t.get("datasource", {}).get("uid") != "${datasource}":
                errors.append(f"{where}: datasource is not ${{datasource}}")
            check_expr(where, t.get("expr", ""), errors)
        exprs = " ".join(t.get("expr", "") for t in targets)
        style = (p.get("fieldConfig", {}).get("defaults", {}).get("custom", {})
                 .get("thresholdsStyle", {}).get("mode", "off"))
        if "segd_drift_ari" in exprs and "segd_drift_threshold" in exprs and "line" in style:
            threshold_panel = True
    if not threshold_panel:
        errors.append("no ARI panel drawing segd_drift_threshold with thresholdsStyle line")

    for a in d.get("annotations", {}).get("list", []):
        if a.get("expr"):
            check_expr(f"annotation {a.get('name', '?')}", a["expr"], errors)

    for e in errors:
        print("dashboard:", e, file=sys.stderr)
    print(f"{path}: {len(panels)} panels, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))

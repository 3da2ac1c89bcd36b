#!/usr/bin/env python3
"""Writes deploy/grafana/dashboards/segd-drift.json, segd's drift dashboard (standard library only).

Edit the panels here and run `python3 deploy/grafana/make_dashboard.py`; the JSON is checked in
(Grafana provisioning reads it from /var/lib/grafana/dashboards/segd) and checked by
tests/deploy/check_dashboard.py and, query by query, against a real Prometheus in
tests/integration/prometheus_test.cc. Every query is filtered by the $job and $instance
variables; every panel uses the ${datasource} variable.
"""
import json
import os

DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = '{job=~"$job", instance=~"$instance"}'


def grp(expr):
    """A figure of the whole group: several instances of one job (one consumer group) export the
    same group-wide drift and model figures (the leader's evaluation), so one series per job."""
    return f"max without (instance) ({expr})"
RATE = "$__rate_interval"


def sel(**labels):
    """The dashboard's job/instance selector plus exact (or =~ for values given as ('=~', v))."""
    extra = ""
    for k, v in labels.items():
        op, val = v if isinstance(v, tuple) else ("=", v)
        extra += f', {k}{op}"{val}"'
    return '{job=~"$job", instance=~"$instance"' + extra + "}"


panels = []


def panel(title, description, unit, targets, x, y, w, h, kind="timeseries", defaults=None,
          overrides=None, options=None):
    """Adds one panel; targets are (expr, legend) pairs."""
    fd = {"unit": unit}
    fd.update(defaults or {})
    p = {
        "id": len(panels) + 1,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": fd, "overrides": overrides or []},
        "options": options if options is not None else default_options(kind),
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend,
             "range": True, "instant": False}
            for i, (expr, legend) in enumerate(targets)
        ],
    }
    panels.append(p)
    return p


def default_options(kind):
    if kind == "timeseries":
        return {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                "tooltip": {"mode": "multi", "sort": "none"}}
    if kind == "stat":
        return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "colorMode": "background", "graphMode": "none", "justifyMode": "auto",
                "textMode": "auto", "orientation": "auto"}
    if kind == "bargauge":
        return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True}
    return {}


def steps(*pairs):
    return {"mode": "absolute",
            "steps": [{"color": c, "value": v} for c, v in pairs]}


def mappings(values):
    return [{"type": "value",
             "options": {str(k): {"text": t, "color": c, "index": i}
                         for i, (k, (t, c)) in enumerate(values.items())}}]


def dashed(name_regex, color):
    """An override drawing the series whose name matches as a dashed line in `color`."""
    return {"matcher": {"id": "byRegexp", "options": name_regex},
            "properties": [
                {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                {"id": "custom.fillOpacity", "value": 0},
                {"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]}


# --- Row 1 (y 0): status at a glance -------------------------------------------------------
panel("Ready",
      "segd_ready: 1 while segd consumes and serves (partitions assigned, baseline present, "
      "storage healthy); /readyz gives the reason when it is 0.",
      "none", [(f"segd_ready{SEL}", "{{instance}}")], 0, 0, 4, 4, kind="stat",
      defaults={"thresholds": steps(("red", None), ("green", 1)),
                "mappings": mappings({0: ("not ready", "red"), 1: ("ready", "green")})})
panel("Retrain recommended",
      "1 while segd's retrain policy recommends a new baseline (ARI below drift.threshold for "
      "drift.consecutive_evaluations evaluations in a row; cleared at threshold + hysteresis).",
      "none", [(grp(f"segd_retrain_recommended{SEL}"), "{{job}}")], 4, 0, 4, 4, kind="stat",
      defaults={"thresholds": steps(("green", None), ("orange", 1)),
                "mappings": mappings({0: ("no", "green"), 1: ("RETRAIN", "orange")})})
panel("Drift severity",
      "0 none, 1 warning (ARI below drift.threshold), 2 critical (below drift.critical).",
      "none", [(grp(f"segd_drift_severity{SEL}"), "{{job}}")], 8, 0, 4, 4, kind="stat",
      defaults={"thresholds": steps(("green", None), ("orange", 1), ("red", 2)),
                "mappings": mappings({0: ("none", "green"), 1: ("warning", "orange"),
                                      2: ("critical", "red")})})
panel("Baseline version",
      "Version of the current baseline model (0: none yet). It changes on every retrain "
      "(bootstrap, auto or admin); a new baseline starts a new drift history.",
      "none", [(grp(f"segd_baseline_version{SEL}"), "{{job}}")], 12, 0, 4, 4, kind="stat",
      defaults={"thresholds": steps(("red", None), ("blue", 1)), "decimals": 0})
panel("Customers",
      "Customers in segd's committed state.",
      "short", [(f"segd_customers{SEL}", "{{instance}}")], 16, 0, 4, 4, kind="stat",
      defaults={"thresholds": steps(("blue", None))})
panel("Last drift evaluation",
      "Seconds since the last drift evaluation finished (segd evaluates every drift.every_seconds, "
      "60 s by default). Empty before the first evaluation; the SegdDriftNotEvaluated alert fires "
      "above 10 minutes.",
      "s",
      [(f"time() - (segd_drift_evaluation_timestamp_seconds{SEL} > 0)", "{{instance}}")],
      20, 0, 4, 4, kind="stat",
      defaults={"thresholds": steps(("green", None), ("orange", 180), ("red", 600))})

# --- Row 2 (y 4): ARI and PSI ---------------------------------------------------------------
panel("ARI: baseline vs live / refit",
      "Adjusted Rand Index between the baseline's labels and the live model's (online) or a fresh "
      "fit's (refit), over every customer; 1 means the same segmentation. Dashed lines: the "
      "warning and critical thresholds as segd exports them (drift.threshold, drift.critical); the "
      "solid threshold lines are the defaults 0.8 and 0.6. The online ARI drives the alerts.",
      "none",
      [(grp(f"segd_drift_ari{sel(method='online')}"), "online {{job}}"),
       (grp(f"segd_drift_ari{sel(method='refit')}"), "refit {{job}}"),
       (grp(f"segd_drift_threshold{sel(level='warning')}"), "threshold warning {{job}}"),
       (grp(f"segd_drift_threshold{sel(level='critical')}"), "threshold critical {{job}}")],
      0, 4, 16, 9,
      defaults={"min": 0, "max": 1, "decimals": 3,
                "custom": {"drawStyle": "line", "lineWidth": 2, "fillOpacity": 0,
                           "showPoints": "auto", "spanNulls": True,
                           "thresholdsStyle": {"mode": "line"}},
                "thresholds": steps(("red", None), ("orange", 0.6), ("green", 0.8))},
      overrides=[dashed("^threshold warning.*", "orange"),
                 dashed("^threshold critical.*", "red")])
panel("Segment share PSI",
      "Population stability index of segment shares, baseline vs live (below 0.1 stable, 0.1-0.25 "
      "moderate, above 0.25 a major shift).",
      "none",
      [(grp(f"segd_segment_share_psi{SEL}"), "{{job}}")],
      16, 4, 8, 9,
      defaults={"min": 0, "decimals": 3,
                "custom": {"thresholdsStyle": {"mode": "line"}},
                "thresholds": steps(("green", None), ("orange", 0.1), ("red", 0.25))})

# --- Row 3 (y 13): segments -----------------------------------------------------------------
panel("Segment sizes: baseline vs live",
      "Customers per segment under the baseline (solid) and under the live model (dashed), at each "
      "drift evaluation.",
      "short",
      [(grp(f"segd_segment_customers{sel(model='baseline')}"), "baseline {{segment}} {{job}}"),
       (grp(f"segd_segment_customers{sel(model='live')}"), "live {{segment}} {{job}}")],
      0, 13, 12, 9,
      overrides=[{"matcher": {"id": "byRegexp", "options": "^live .*"},
                  "properties": [{"id": "custom.lineStyle",
                                  "value": {"fill": "dash", "dash": [10, 10]}}]}])
panel("Segment migration (baseline -> live)",
      "Customers by baseline segment (from) and live segment (to) at the last drift evaluation. "
      "from = to are the customers who stayed; the other bars are the customers who moved.",
      "short",
      [(f"sort_desc({grp(f'segd_segment_migration_customers{SEL}')})", "{{from}} -> {{to}} {{job}}")],
      12, 13, 12, 9, kind="bargauge",
      defaults={"min": 0, "thresholds": steps(("blue", None))})

# --- Row 4 (y 22): drift details ------------------------------------------------------------
panel("Centroid shift per segment",
      "Distance between each segment's baseline centroid and its live centroid, in the baseline's "
      "standardised feature units.",
      "none",
      [(grp(f"segd_segment_centroid_shift{SEL}"), "segment {{segment}} {{job}}")],
      0, 22, 8, 8, defaults={"min": 0, "decimals": 3})
panel("Drift evaluation: duration and age",
      "How long the last drift evaluation took, and how long ago it finished (age grows "
      "when evaluations stop; alert above 10 minutes).",
      "s",
      [(f"segd_drift_evaluation_duration_seconds{SEL}", "duration {{instance}}"),
       (f"time() - (segd_drift_evaluation_timestamp_seconds{SEL} > 0)", "age {{instance}}")],
      8, 22, 8, 8, defaults={"min": 0})
panel("Retrains by trigger",
      "Baselines fitted by segd over the selected time range, by trigger: bootstrap (the first "
      "baseline), auto (drift.retrain: auto), admin (POST /v1/admin/retrain).",
      "short",
      [(f"sum by (trigger) (round(increase(segd_model_retrains_total{SEL}[$__range])))",
        "{{trigger}}")],
      16, 22, 8, 8, kind="stat",
      defaults={"thresholds": steps(("blue", None)), "decimals": 0},
      options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "colorMode": "value", "graphMode": "none", "justifyMode": "auto",
               "textMode": "value_and_name", "orientation": "auto"})

# --- Row 5 (y 30): ingest -------------------------------------------------------------------
panel("Events per second",
      "Events consumed, applied to customer state, and recognised as duplicates (by kind), per "
      "second.",
      "ops",
      [(f"sum by (instance) (rate(segd_events_consumed_total{SEL}[{RATE}]))",
        "consumed {{instance}}"),
       (f"sum by (instance) (rate(segd_events_applied_total{SEL}[{RATE}]))",
        "applied {{instance}}"),
       (f"sum by (instance, kind) (rate(segd_events_duplicate_total{SEL}[{RATE}]))",
        "duplicate {{kind}} {{instance}}")],
      0, 30, 12, 8, defaults={"min": 0})
panel("Rejections per second by reason",
      "Events rejected and sent to the dead-letter topic per second, by reason (bad_json, "
      "bad_time, future_time, ...). The SegdRejectionsHigh alert fires above 1% of consumed.",
      "ops",
      [(f"sum by (reason) (rate(segd_events_rejected_total{SEL}[{RATE}])) > 0", "{{reason}}")],
      12, 30, 12, 8, defaults={"min": 0})

# --- Row 6 (y 38): lag and lookups ----------------------------------------------------------
panel("Consumer lag per partition",
      "Messages between segd's committed position and the end of each partition. The "
      "SegdConsumerLagHigh alert fires when the sum stays above 100000 for 15 minutes.",
      "short",
      [(f"segd_consumer_lag_messages{SEL}", "{{topic}}/{{partition}} {{instance}}")],
      0, 38, 12, 8, defaults={"min": 0})
panel("Lookup latency p50 / p99",
      "Request duration quantiles of the lookup routes (customers, batchGet, segments, model), by "
      "route; GET /v1/customers/{id} aims at p99 under 2 ms (SegdLookupLatencyHigh).",
      "s",
      [(f"histogram_quantile(0.5, sum by (le, route) (rate(segd_http_request_duration_seconds_bucket"
        f"{sel(route=('=~', '/v1/(customers.*|segments|model)'))}[{RATE}])))", "p50 {{route}}"),
       (f"histogram_quantile(0.99, sum by (le, route) (rate(segd_http_request_duration_seconds_bucket"
        f"{sel(route=('=~', '/v1/(customers.*|segments|model)'))}[{RATE}])))", "p99 {{route}}")],
      12, 38, 12, 8,
      defaults={"min": 0, "custom": {"thresholdsStyle": {"mode": "line"}},
                "thresholds": steps(("green", None), ("red", 0.002))})

# --- Row 7 (y 46): commits and customers ----------------------------------------------------
panel("Commit latency p50 / p99",
      "Duration of one micro-batch commit (one atomic RocksDB write with state, offsets and the "
      "live model).",
      "s",
      [(f"histogram_quantile(0.5, sum by (le, instance) (rate(segd_batch_commit_duration_seconds_bucket"
        f"{SEL}[{RATE}])))", "p50 {{instance}}"),
       (f"histogram_quantile(0.99, sum by (le, instance) (rate(segd_batch_commit_duration_seconds_bucket"
        f"{SEL}[{RATE}])))", "p99 {{instance}}")],
      0, 46, 12, 8, defaults={"min": 0})
panel("Customers and baseline version",
      "Customers in segd's state, customers in the last drift evaluation, and the baseline version "
      "(right axis; a step is a retrain).",
      "short",
      [(f"segd_customers{SEL}", "stored {{instance}}"),
       (f"segd_drift_customers{SEL}", "evaluated {{instance}}"),
       (f"segd_baseline_version{SEL}", "baseline version {{instance}}")],
      12, 46, 12, 8,
      defaults={"min": 0},
      overrides=[{"matcher": {"id": "byRegexp", "options": "^baseline version.*"},
                  "properties": [{"id": "custom.axisPlacement", "value": "right"},
                                 {"id": "unit", "value": "none"},
                                 {"id": "decimals", "value": 0},
                                 {"id": "custom.drawStyle", "value": "line"},
                                 {"id": "custom.lineInterpolation", "value": "stepAfter"}]}])

# --- Row 8 (y 54): several instances --------------------------------------------------------
panel("Instances and partitions",
      "Live segd instances in the group as each instance sees them (they should agree), the "
      "leader (owner of partition 0), and the source partitions each member owns. A member's "
      "count drops to nothing when it leaves or dies; its partitions move at the next rebalance.",
      "short",
      [(f"segd_cluster_members{SEL}", "members seen by {{instance}}"),
       (f"segd_cluster_leader{SEL} == 1", "leader {{instance}}"),
       (f"max by (member) (segd_cluster_member_partitions{SEL})", "partitions of {{member}}")],
      0, 54, 12, 8, defaults={"min": 0})
panel("Forwarded lookups per second",
      "Lookups an instance forwarded to the owner of the customer's partition (the rest it "
      "answered itself). With N instances about (N-1)/N of the lookups sent to one instance are "
      "forwarded.",
      "ops",
      [(f"sum by (instance) (rate(segd_cluster_forwarded_requests_total{SEL}[{RATE}]))",
        "forwarded by {{instance}}")],
      12, 54, 12, 8, defaults={"min": 0})

# --- Row 8 (y 62): the drift detector ---------------------------------------------------------
panel("Drift detector: statistic vs limit",
      "The default detector (drift.detector: calibrated) compares the PSI of today's active "
      "customers' baseline-segment shares with the shares of its calibration evaluations; it "
      "recommends a retrain when the statistic stays above the limit (the noise bound learned at "
      "calibration, or drift.min_psi) for drift.detector_consecutive evaluations. With "
      "ari_threshold the statistic is the ARI and the limit drift.threshold. Group figures: the "
      "leader's evaluation, one series per job.",
      "none",
      [(grp(f"segd_drift_detector_statistic{SEL}"), "statistic {{job}}"),
       (grp(f"segd_drift_detector_limit{SEL}"), "limit {{job}}")],
      0, 62, 24, 8, defaults={"min": 0, "decimals": 3},
      overrides=[dashed("^limit.*", "red")])

# --- Row 9 (y 70): segment-change events --------------------------------------------------------
panel("Segment changes per second",
      "customer.segment.changed.v1 events committed per second, by cause: an applied event moved "
      "the customer under the live model (event), or a new baseline put it elsewhere (relabel); "
      "and the events acknowledged by the output topic (sent, repeats after a restart or a "
      "failover included). Nothing when output.segment_changes_topic is empty.",
      "ops",
      [(f"sum by (instance, cause) (rate(segd_segment_changes_total{SEL}[{RATE}]))",
        "{{cause}} {{instance}}"),
       (f"sum by (instance) (rate(segd_segment_change_events_sent_total{SEL}[{RATE}]))",
        "sent {{instance}}")],
      0, 70, 12, 8, defaults={"min": 0})
panel("Relabel after a new baseline",
      "Customers looked at per second by the relabel that follows a new baseline (in steps "
      "between micro-batches, so ingest goes on), and the baseline version being relabelled "
      "(right axis; 0 when none is under way).",
      "ops",
      [(f"sum by (instance) (rate(segd_relabel_customers_scanned_total{SEL}[{RATE}]))",
        "scanned {{instance}}"),
       (f"segd_relabel_baseline_version{SEL}", "relabelling baseline {{instance}}")],
      12, 70, 12, 8, defaults={"min": 0},
      overrides=[{"matcher": {"id": "byRegexp", "options": "^relabelling baseline.*"},
                  "properties": [{"id": "custom.axisPlacement", "value": "right"},
                                 {"id": "unit", "value": "none"},
                                 {"id": "decimals", "value": 0}]}])


def query_var(name, label, query):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": f"{name}-var"}, "definition": query,
            "refresh": 2,  # on time range change
            "includeAll": True, "multi": True, "allValue": ".*", "sort": 1, "regex": "",
            "hide": 0, "current": {}, "options": []}


dashboard = {
    "uid": "segd-drift",
    "title": "segd: segmentation drift",
    "description": "Drift of segd's customer segmentation (ARI between the signed-off baseline "
                   "and the live model), segment sizes and migration, ingest, lag and latency.",
    "tags": ["segd", "segmentation", "drift"],
    "schemaVersion": 37,
    "version": 1,
    "editable": True,
    "graphTooltip": 1,
    "timezone": "utc",
    "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "links": [{"title": "Runbook", "type": "link", "targetBlank": True,
               "url": "https://github.com/segd/segd/blob/main/README.md#runbook"}],
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource",
         "query": "prometheus", "refresh": 1, "regex": "", "hide": 0, "current": {},
         "options": []},
        query_var("job", "Job", "label_values(segd_build_info, job)"),
        query_var("instance", "Instance", 'label_values(segd_build_info{job=~"$job"}, instance)'),
    ]},
    "annotations": {"list": [
        {"name": "New baseline", "datasource": DS, "enable": True, "iconColor": "blue",
         "expr": f"changes(segd_baseline_version{SEL}[2m]) > 0",
         "titleFormat": "New baseline", "textFormat": "{{instance}}", "step": "60s"},
    ]},
    "panels": panels,
}

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards", "segd-drift.json")
    with open(out, "w") as f:
        json.dump(dashboard, f, indent=2)
        f.write("\n")
    print("wrote", os.path.normpath(out), len(panels), "panels")

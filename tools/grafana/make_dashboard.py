#!/usr/bin/env python3
"""Writes deploy/grafana/dashboards/segd-drift.json, segd's drift dashboard.

Edit the panels here and run `python3 tools/grafana/make_dashboard.py`; the JSON is checked in
(Grafana provisioning reads it) and checked by tests/deploy/check_dashboard.py and, query by
query, against a real Prometheus in tests/integration/prometheus_test.cc.
"""
import json
import os

SEL = '{job=~"$job", instance=~"$instance"}'
DS = {"type": "prometheus", "uid": "${datasource}"}


def sel(**labels):
    """A selector for the dashboard's job and instance, plus exact `labels`."""
    extra = "".join(f', {k}="{v}"' for k, v in labels.items())
    return '{job=~"$job", instance=~"$instance"' + extra + "}"


panels = []


def panel(title, description, unit, targets, x, y, w=12, h=8, kind="timeseries", extra=None):
    p = {
        "id": len(panels) + 1,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }
    if extra:
        extra(p)
    panels.append(p)


def ari_thresholds(p):
    d = p["fieldConfig"]["defaults"]
    d["min"], d["max"] = 0, 1
    d["custom"] = {"thresholdsStyle": {"mode": "line+area"}}
    d["thresholds"] = {"mode": "absolute", "steps": [
        {"color": "red", "value": None}, {"color": "orange", "value": 0.6},
        {"color": "green", "value": 0.8}]}


def flag_thresholds(p):
    d = p["fieldConfig"]["defaults"]
    d["thresholds"] = {"mode": "absolute", "steps": [
        {"color": "green", "value": None}, {"color": "orange", "value": 1},
        {"color": "red", "value": 2}]}


panel("ARI: baseline vs comparison model",
      "Adjusted Rand Index between the baseline's labels and the live model's (online) or a fresh "
      "fit's (refit), over every customer. Dashed lines: the warning and critical thresholds "
      "(drift.threshold, drift.critical). Below the warning line for drift.consecutive_evaluations "
      "evaluations, segd recommends a retrain.",
      "none",
      [(f"segd_drift_ari{sel(method='online')}", "online {{instance}}"),
       (f"segd_drift_ari{sel(method='refit')}", "refit {{instance}}"),
       (f"segd_drift_threshold{SEL}", "threshold {{level}}")],
      0, 0, w=16, extra=ari_thresholds)
panel("Retrain recommended / severity",
      "1 while the retrain policy recommends a new baseline; severity 0 none, 1 warning, 2 critical.",
      "none",
      [(f"segd_retrain_recommended{SEL}", "recommended {{instance}}"),
       (f"segd_drift_severity{SEL}", "severity {{instance}}")],
      16, 0, w=8, kind="stat", extra=flag_thresholds)
panel("Segment sizes: baseline vs live",
      "Customers per segment under the baseline and under the live model, at each drift evaluation.",
      "short",
      [(f"segd_segment_customers{sel(model='baseline')}", "baseline segment {{segment}}"),
       (f"segd_segment_customers{sel(model='live')}", "live segment {{segment}}")],
      0, 8)
panel("Segment migration (baseline -> live)",
      "Customers by baseline segment (from) and live segment (to) at the last drift evaluation; "
      "from = to are the customers who stayed. PromQL cannot compare two labels, so the stayers "
      "are drawn too (hide them from the legend).",
      "short",
      [(f"segd_segment_migration_customers{SEL}", "{{from}} -> {{to}}")],
      12, 8, kind="bargauge")
panel("Centroid shift per segment",
      "Distance between each segment's baseline centroid and its live centroid, in the baseline's "
      "scaled feature units.",
      "none",
      [(f"segd_segment_centroid_shift{SEL}", "segment {{segment}}")],
      0, 16, w=8)
panel("Segment share PSI",
      "Population stability index of segment shares, baseline vs live (above 0.25 is usually read "
      "as a major shift).",
      "none",
      [(f"segd_segment_share_psi{SEL}", "{{instance}}")],
      8, 16, w=8)
panel("Drift evaluation: duration and age",
      "How long the last drift evaluation took, and how long ago it finished.",
      "s",
      [(f"segd_drift_evaluation_duration_seconds{SEL}", "duration {{instance}}"),
       (f"time() - segd_drift_evaluation_timestamp_seconds{SEL}", "age {{instance}}")],
      16, 16, w=8)
panel("Events per second",
      "Events applied to customer state and accepted duplicates (changed nothing), per second.",
      "ops",
      [(f"sum by (instance) (rate(segd_events_applied_total{SEL}[$__rate_interval]))",
        "applied {{instance}}"),
       (f"sum by (instance) (rate(segd_events_duplicate_total{SEL}[$__rate_interval]))",
        "duplicate {{instance}}")],
      0, 24)
panel("Rejections by reason",
      "Events sent to the dead-letter topic per second, by segd.error.reason.",
      "ops",
      [(f"sum by (reason) (rate(segd_events_rejected_total{SEL}[$__rate_interval])) > 0",
        "{{reason}}")],
      12, 24)
panel("Consumer lag",
      "Events between segd's committed position and the end of each partition.",
      "short",
      [(f"segd_consumer_lag_messages{SEL}", "{{topic}}/{{partition}}")],
      0, 32)
panel("Lookup latency p50 / p99",
      "HTTP request duration quantiles by route (GET /v1/customers/{id} aims at p99 under 2 ms).",
      "s",
      [(f"histogram_quantile(0.5, sum by (le, route) "
        f"(rate(segd_http_request_duration_seconds_bucket{SEL}[$__rate_interval])))",
        "p50 {{route}}"),
       (f"histogram_quantile(0.99, sum by (le, route) "
        f"(rate(segd_http_request_duration_seconds_bucket{SEL}[$__rate_interval])))",
        "p99 {{route}}")],
      12, 32)
panel("Commit latency p50 / p99",
      "Duration of one micro-batch commit (one RocksDB WriteBatch with state, offsets and the "
      "live model).",
      "s",
      [(f"histogram_quantile(0.5, sum by (le) "
        f"(rate(segd_batch_commit_duration_seconds_bucket{SEL}[$__rate_interval])))", "p50"),
       (f"histogram_quantile(0.99, sum by (le) "
        f"(rate(segd_batch_commit_duration_seconds_bucket{SEL}[$__rate_interval])))", "p99")],
      0, 40)
panel("Customers",
      "Customers in segd's state and in the last drift evaluation (those with live orders).",
      "short",
      [(f"segd_customers{SEL}", "stored {{instance}}"),
       (f"segd_drift_customers{SEL}", "evaluated {{instance}}")],
      12, 40, w=6, kind="stat")
panel("Baseline version and retrains",
      "The current baseline version, and baselines fitted by trigger (bootstrap, auto, admin) over "
      "the selected range.",
      "short",
      [(f"segd_baseline_version{SEL}", "version {{instance}}"),
       (f"sum by (trigger) (increase(segd_model_retrains_total{SEL}[$__range]))",
        "retrains {{trigger}}")],
      18, 40, w=6, kind="stat")

dashboard = {
    "uid": "segd-drift",
    "title": "segd: segmentation drift",
    "description": "Drift of segd's customer segmentation (ARI between the signed-off baseline "
                   "and the current model), segment sizes and migration, ingest, lag and latency.",
    "tags": ["segd", "segmentation", "drift"],
    "schemaVersion": 37,
    "version": 1,
    "editable": True,
    "timezone": "utc",
    "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource",
         "query": "prometheus", "current": {}, "hide": 0},
        {"name": "job", "label": "Job", "type": "query", "datasource": DS,
         "query": {"query": "label_values(segd_build_info, job)", "refId": "job"},
         "definition": "label_values(segd_build_info, job)", "refresh": 2,
         "includeAll": True, "multi": True, "current": {}},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": DS,
         "query": {"query": 'label_values(segd_build_info{job=~"$job"}, instance)',
                   "refId": "instance"},
         "definition": 'label_values(segd_build_info{job=~"$job"}, instance)', "refresh": 2,
         "includeAll": True, "multi": True, "current": {}},
    ]},
    "annotations": {"list": []},
    "panels": panels,
}

out = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "grafana", "dashboards",
                   "segd-drift.json")
with open(out, "w") as f:
    json.dump(dashboard, f, indent=2)
    f.write("\n")
print("wrote", os.path.normpath(out), len(panels), "panels")

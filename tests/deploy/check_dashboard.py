#!/usr/bin/env python3
"""Checks deploy/grafana/dashboards/segd-drift.json: schema version, uid, the datasource/job/
instance variables, a description, unit and the templated datasource on every panel, unique ids,
no overlapping panels, every query filtered by $job and $instance. (That every metric exists in
a real scrape and every query runs on a real Prometheus: tests/integration/prometheus_test.cc.)

Usage: check_dashboard.py DASHBOARD.json
"""
import json
import sys


def main(path):
    errors = []
    d = json.load(open(path))
    if d.get("schemaVersion", 0) < 37:
        errors.append("schemaVersion must be >= 37")
    if d.get("uid") != "segd-drift":
        errors.append("uid must be the stable 'segd-drift'")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    for name in ("datasource", "job", "instance"):
        if name not in variables:
            errors.append(f"missing template variable ${name}")
    if variables.get("datasource", {}).get("type") != "datasource":
        errors.append("$datasource must be a datasource variable")
    ids, cells = set(), {}
    for p in d.get("panels", []):
        title = p.get("title", f"panel {p.get('id')}")
        if p.get("id") in ids:
            errors.append(f"{title}: duplicate id {p.get('id')}")
        ids.add(p.get("id"))
        if not p.get("description"):
            errors.append(f"{title}: no description")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            errors.append(f"{title}: no unit")
        if p.get("datasource", {}).get("uid") != "${datasource}":
            errors.append(f"{title}: datasource is not ${{datasource}}")
        g = p.get("gridPos", {})
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                if (x, y) in cells:
                    errors.append(f"{title}: overlaps {cells[(x, y)]}")
                    break
                cells[(x, y)] = title
            else:
                continue
            break
        if g.get("x", 0) + g.get("w", 0) > 24:
            errors.append(f"{title}: wider than the 24-column grid")
        targets = p.get("targets", [])
        if not targets:
            errors.append(f"{title}: no queries")
        for t in targets:
            expr = t.get("expr", "")
            if '$job' not in expr or '$instance' not in expr:
                errors.append(f"{title}: query not filtered by $job and $instance: {expr}")
            if t.get("datasource", {}).get("uid") != "${datasource}":
                errors.append(f"{title}: query datasource is not ${{datasource}}")
    for e in errors:
        print("dashboard:", e, file=sys.stderr)
    print(f"{path}: {len(d.get('panels', []))} panels, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

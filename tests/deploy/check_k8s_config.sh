#!/usr/bin/env bash
# deploy/kubernetes/segd.yaml: the manifest parses, and the config in its ConfigMap passes
# `segd check-config` (segd's own strict loader: unknown keys and bad values fail) and binds all
# addresses (segd's default is loopback, unreachable for probes and the Service), and keeps the
# event-time drift schedule on.
set -euo pipefail
manifest=$1 segd=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$manifest" "$dir" <<'PY'
import sys, yaml
manifest, out = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
kinds = sorted(d["kind"] for d in docs)
assert kinds == ["ConfigMap", "Service", "Service", "StatefulSet"], kinds
config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]["segd.yaml"]
assert yaml.safe_load(config)["http"]["bind"] == "0.0.0.0:8080", "ConfigMap must bind 0.0.0.0:8080"
# The event-time drift schedule (segd's default) drives the drift detector; a ConfigMap that
# turned it off would leave only the study's wall-clock ARI rule.
days = yaml.safe_load(config).get("drift", {}).get("every_event_days", 14)
assert days > 0, "ConfigMap turns off the event-time drift schedule (drift.every_event_days: 0)"
open(out + "/segd.yaml", "w").write(config)
PY
SEGD_ADMIN_TOKEN=k8s-test-token "$segd" --config "$dir/segd.yaml" check-config

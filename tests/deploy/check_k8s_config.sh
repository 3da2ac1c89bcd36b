#!/usr/bin/env bash
# The config embedded in deploy/kubernetes/segd.yaml must pass `segd check-config` (segd's own
# strict loader: unknown keys and bad values fail). The token file path is pointed at a
# temporary file, as the Secret mount would provide it.
set -euo pipefail
manifest=$1 segd=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "k8s-test-token" >"$dir/token"
python3 - "$manifest" "$dir" <<'PY'
import sys, yaml
manifest, out = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(manifest)) if d and d.get("kind") == "ConfigMap"]
text = docs[0]["data"]["segd.yaml"].replace("/etc/segd/secret/token", out + "/token")
open(out + "/segd.yaml", "w").write(text)
PY
"$segd" --config "$dir/segd.yaml" check-config

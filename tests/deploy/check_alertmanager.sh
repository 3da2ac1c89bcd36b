#!/usr/bin/env bash
# amtool on deploy/alertmanager/alertmanager.yml: the config is valid, and alerts route where
# the README says (the retrain alert to the retrain webhook, critical ones to the pager,
# warnings to ops).
set -euo pipefail
config=$1
amtool check-config "$config" >/dev/null
route() { amtool config routes test --config.file="$config" "$@" 2>/dev/null; }
expect() {
  local want=$1; shift
  local got; got=$(route "$@")
  if [ "$got" != "$want" ]; then echo "route $*: got '$got', want '$want'"; exit 1; fi
}
expect segd-retrain-webhook alertname=SegdRetrainRecommended severity=warning
expect segd-pager alertname=SegdDriftCritical severity=critical
expect segd-pager alertname=SegdDown severity=critical
expect segd-ops alertname=SegdDriftWarning severity=warning
expect segd-ops alertname=SegdConsumerLagHigh severity=warning
echo "alertmanager config and routes: ok"

#include "api/status_page.h"

namespace segd {
namespace {

// The page renders in the browser from the JSON API rather than on the server: the same figures
// a script reads, one definition of each, and every value enters the DOM through textContent
// (or an attribute checked to be an http(s) URL), so names from configuration or from other
// members cannot inject markup. Links are same-origin paths, so the page works behind any host.
constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>segd status</title>
<style>
  body { font: 14px/1.4 system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1d232b;
         background: #f4f6f8; }
  header { background: #1d3557; color: #fff; padding: 12px 24px; display: flex;
           align-items: baseline; gap: 24px; flex-wrap: wrap; }
  header h1 { margin: 0; font-size: 20px; }
  header .muted { color: #c9d3df; }
  main { padding: 8px 24px 24px; max-width: 1240px; }
  section { background: #fff; border: 1px solid #dde3ea; border-radius: 6px; margin: 14px 0;
            padding: 4px 16px 12px; }
  h2 { font-size: 16px; margin: 10px 0; }
  h3 { font-size: 14px; margin: 12px 0 6px; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; }
  .card { border: 1px solid #e3e8ee; border-radius: 4px; padding: 6px 12px; min-width: 120px; }
  .card .label { color: #5b6775; font-size: 12px; }
  .card .value { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .flag { padding: 2px 8px; border-radius: 10px; font-weight: 600; }
  .ok { background: #d8f3dc; color: #1b5e20; }
  .bad { background: #fde2e1; color: #9b1c1c; }
  .muted { color: #6b7785; }
  table { border-collapse: collapse; margin: 4px 0; }
  th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #edf0f3;
           font-variant-numeric: tabular-nums; }
  th { color: #5b6775; font-weight: 600; font-size: 12px; }
  td.name, th.name { text-align: left; }
  tr.baseline td { color: #6b7785; }
  #error { background: #fde2e1; color: #9b1c1c; padding: 8px 24px; font-weight: 600; }
  #ari-chart { width: 100%; display: block; }
  .chart-row { display: grid; grid-template-columns: minmax(0, 760px) auto; gap: 24px;
               align-items: start; }
  .row { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
  .scroll { overflow-x: auto; }
  .was, th .sub { color: #6b7785; font-weight: normal; font-size: 12px; }
  ul.links { columns: 2; margin: 4px 0; }
  code { font-size: 13px; }
</style>
</head>
<body>
<header>
  <h1>segd <span id="version"></span></h1>
  <span id="identity" class="muted"></span>
  <span id="updated" class="muted">loading…</span>
</header>
<div id="error" hidden></div>
<noscript><p>This page renders segd's JSON API with JavaScript; without it, use the links
  below.</p></noscript>
<main>
<section id="drift">
  <h2>Drift: baseline against the live model</h2>
  <div class="cards">
    <div class="card"><div class="label">retrain</div>
      <div class="value"><span id="retrain-flag" class="flag">—</span></div></div>
    <div class="card"><div class="label">ARI online (last evaluation)</div>
      <div class="value" id="ari-online">—</div></div>
    <div class="card"><div class="label">ARI refit</div>
      <div class="value" id="ari-refit">—</div></div>
    <div class="card"><div class="label">threshold / critical</div>
      <div class="value"><span id="ari-threshold">—</span> /
        <span id="ari-critical">—</span></div></div>
    <div class="card"><div class="label">detector: statistic / limit</div>
      <div class="value" id="detector">—</div></div>
    <div class="card"><div class="label">as of (event time)</div>
      <div class="value" id="drift-as-of">—</div></div>
    <div class="card"><div class="label">baseline</div>
      <div class="value" id="baseline">—</div></div>
  </div>
  <p><b>What changed:</b> <span id="drift-reason">—</span></p>
</section>
<section id="segments" class="scroll">
  <h2>Segments under the live model and the baseline</h2>
  <p id="segments-note" class="muted">—</p>
  <table id="segment-table"><thead></thead><tbody></tbody></table>
</section>
<section id="history">
  <h2>ARI over time</h2>
  <div class="chart-row">
    <img id="ari-chart" alt="ARI over time with the retrain threshold and the critical level">
    <div><h3>Recent evaluations</h3>
      <table id="evaluations">
        <thead><tr><th class="name">as of</th><th>ARI online</th><th>ARI refit</th>
          <th>PSI</th><th class="name">retrain</th></tr></thead>
        <tbody></tbody>
      </table></div>
  </div>
</section>
<section id="ingest">
  <h2>Ingest</h2>
  <div class="cards">
    <div class="card"><div class="label">ready</div>
      <div class="value"><span id="ready" class="flag">—</span></div></div>
    <div class="card"><div class="label">watermark (event time)</div>
      <div class="value" id="watermark">—</div></div>
    <div class="card"><div class="label" id="customers-label">customers</div>
      <div class="value" id="customers">—</div></div>
    <div class="card"><div class="label">messages</div>
      <div class="value" id="ingest-messages">—</div></div>
    <div class="card"><div class="label">rate (since last refresh)</div>
      <div class="value" id="ingest-rate">—</div></div>
    <div class="card"><div class="label">applied / duplicates / rejected</div>
      <div class="value" id="ingest-outcomes">—</div></div>
    <div class="card"><div class="label">consumer lag (messages)</div>
      <div class="value" id="lag-total">—</div></div>
  </div>
  <p id="ready-reason" class="muted"></p>
  <div class="row">
    <div><h3>Most lagging partitions of this instance</h3>
      <table id="lag-table"><thead><tr><th class="name">topic</th><th>partition</th>
        <th>lag</th></tr></thead><tbody></tbody></table></div>
    <div id="members" hidden><h3>Members of the group</h3>
      <table id="member-table"><thead><tr><th class="name">member</th><th>partitions</th>
        <th>customers</th><th class="name">watermark</th><th class="name">heartbeat</th></tr>
      </thead><tbody></tbody></table></div>
  </div>
</section>
<section id="api">
  <h2>JSON API</h2>
  <ul class="links">
    <li><a href="/v1/status">/v1/status</a>: readiness, ingest, lag, members</li>
    <li><a href="/v1/segments">/v1/segments</a>: sizes, shares, centroids</li>
    <li><a href="/v1/model">/v1/model</a>: baseline, versions, last drift evaluation</li>
    <li><a href="/v1/drift">/v1/drift</a>: the drift history (paged)</li>
    <li><a href="/v1/drift/chart.svg">/v1/drift/chart.svg</a>: the chart above</li>
    <li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
    <li><a href="/readyz">/readyz</a> and <a href="/livez">/livez</a>: probes</li>
    <li><code>/v1/customers/{id}</code>: one customer
      <form id="lookup"><input id="lookup-id" placeholder="customer id" size="34">
        <button>look up</button></form></li>
  </ul>
  <p class="muted">Described by <code>deploy/openapi.yaml</code> in segd's repository.</p>
</section>
</main>
<script>
'use strict';
// Refresh: the page fetches the JSON API every REFRESH_MS (one round after the previous one
// ends) instead of reloading itself with a meta refresh, so it keeps its scroll position, keeps
// the last figures under a banner while segd cannot be reached, and measures the ingest rate
// between two rounds. The chart and the recent evaluations are fetched again only when a new
// drift evaluation arrived (the chart reads the whole history).
const REFRESH_MS = 5000;
const NONE = '—';
const $ = (id) => document.getElementById(id);
let lastIngest = null, lastEvaluation = null, chartUrl = null;

const isSet = (x) => x !== null && x !== undefined;
const count = (n) => isSet(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : NONE;
const fixed = (x, digits) => isSet(x) ? x.toFixed(digits) : NONE;
const percent = (x) => isSet(x) ? (100 * x).toFixed(1) + '%' : NONE;
const day = (t) => isSet(t) ? t.slice(0, 10) : NONE;

function points(after, before) {
  if (!isSet(after) || !isSet(before)) return NONE;
  const d = 100 * (after - before);
  return Math.abs(d) < 0.05 ? '0.0 pt' : (d > 0 ? '+' : '') + d.toFixed(1) + ' pt';
}

function setText(id, value) { $(id).textContent = value; }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  e.className = cls;
  e.textContent = text;
  return e;
}

function setFlag(id, text, good) {
  const e = $(id);
  e.textContent = text;
  e.className = 'flag ' + (good === null ? 'muted' : good ? 'ok' : 'bad');
}

// A table cell holding `value` as text (or a node), with an id when given.
function cell(value, id, cls) {
  const td = document.createElement('td');
  if (value instanceof Node) td.append(value); else td.textContent = value;
  if (id) td.id = id;
  if (cls) td.className = cls;
  return td;
}

function fillRows(tbody, rows) {
  const body = typeof tbody === 'string' ? document.querySelector(tbody) : tbody;
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement('tr');
    tr.append(...cells);
    return tr;
  }));
}

async function getJson(path) {
  const r = await fetch(path, {cache: 'no-store'});
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return {ok: r.ok, status: r.status, body};
}

function renderStatus(s) {
  setText('version', s.version);
  setText('identity', 'group ' + s.group_id + ' · topics ' + s.topics.join(', '));
  setFlag('ready', s.ready ? 'ready' : 'not ready', s.ready);
  setText('ready-reason', s.ready ? '' : s.not_ready_reason);
  setText('watermark', s.watermark ? s.watermark.replace('T', ' ') : NONE);
  setText('customers-label', s.cluster ? 'customers (group)' : 'customers');
  setText('customers', count(s.cluster ? s.cluster.customers : s.ingest.customers));
  setText('ingest-messages', count(s.ingest.messages));
  setText('ingest-outcomes', count(s.ingest.applied) + ' / ' + count(s.ingest.duplicates) +
          ' / ' + count(s.ingest.rejected));
  const now = performance.now();
  if (lastIngest && now > lastIngest.at) {
    const rate = (s.ingest.messages - lastIngest.messages) * 1000 / (now - lastIngest.at);
    setText('ingest-rate', count(Math.round(rate)) + ' /s');
  }
  lastIngest = {at: now, messages: s.ingest.messages};
  setText('lag-total', isSet(s.lag.messages) ? count(s.lag.messages) : 'not measured yet');
  const lagging = [...s.lag.partitions].sort((a, b) => b.messages - a.messages).slice(0, 5);
  fillRows('#lag-table tbody', lagging.map((l) =>
      [cell(l.topic, null, 'name'), cell(String(l.partition)), cell(count(l.messages))]));
  renderMembers(s.cluster);
}

function renderMembers(cluster) {
  $('members').hidden = !cluster;
  if (!cluster) return;
  fillRows('#member-table tbody', cluster.members.map((m) => {
    let who = document.createTextNode(m.url || m.member_id);
    if (/^https?:\/\//.test(m.url)) {  // a link to that member's own page
      who = document.createElement('a');
      who.href = m.url.replace(/\/*$/, '/');
      who.textContent = m.url;
    }
    return [cell(who, null, 'name'), cell(String(m.partitions)), cell(count(m.customers)),
            cell(m.watermark || NONE, null, 'name'), cell(m.heartbeat_at || NONE, null, 'name')];
  }));
}

function renderDrift(m) {
  const d = m.drift;
  if (!d.evaluated_at) {
    setFlag('retrain-flag', 'not evaluated yet', null);
  } else if (d.retrain_recommended) {
    setFlag('retrain-flag', 'retrain recommended (' + d.severity + ')', false);
  } else {
    setFlag('retrain-flag', 'no retrain needed', true);
  }
  setText('ari-online', fixed(d.ari.online, 3));
  setText('ari-refit', fixed(d.ari.refit, 3));
  setText('ari-threshold', fixed(d.threshold, 2));
  setText('ari-critical', fixed(d.critical, 2));
  setText('detector', d.evaluated_at ? d.detector + ': ' + fixed(d.statistic, 3) + ' / ' +
          fixed(d.limit, 3) : NONE);
  setText('drift-as-of', day(d.as_of));
  setText('drift-reason', d.reason || (d.evaluated_at ? 'nothing flagged' : NONE));
  const b = m.baseline;
  setText('baseline', b ? 'v' + b.version + ' · k ' + b.k + ' · ' + count(m.live.updates) +
          ' live updates' : 'none yet');
}

function renderSegments(r) {
  if (!r.ok) {
    setText('segments-note', r.body && r.body.detail ? r.body.detail : 'HTTP ' + r.status);
    fillRows('#segment-table tbody', []);
    return;
  }
  const s = r.body;
  setText('segments-note', 'baseline v' + s.baseline_version + ' · ' + (s.sizes_as_of ?
      'sizes of the ' + count(s.customers) + ' customers of the last drift evaluation' :
      'sizes after the first drift evaluation') + ' · centroids in original units');
  const features = s.segments.length ? Object.keys(s.segments[0].centroid) : [];
  renderSegmentHead(features);
  fillRows('#segment-table tbody', s.segments.map((g) => {
    const id = 'seg-' + g.id + '-';
    return [cell(String(g.id)), cell(g.name, id + 'name', 'name'), cell(count(g.size), id + 'size'),
            cell(percent(g.share), id + 'share'), cell(count(g.baseline.size), id + 'baseline-size'),
            cell(percent(g.baseline.share), id + 'baseline-share'),
            cell(points(g.share, g.baseline.share), id + 'change'),
            ...features.map((f) => centroidCell(g.centroid[f], g.baseline.centroid[f]))];
  }));
}

function renderSegmentHead(features) {
  const head = document.createElement('tr');
  const names = ['id', 'name', 'live size', 'live share', 'baseline size', 'baseline share',
                 'share change'];
  for (const name of [...names, ...features]) {
    const th = document.createElement('th');
    th.textContent = name;
    if (name === 'name') th.className = 'name';
    if (features.includes(name)) th.append(el('div', 'sub', 'live (baseline)'));
    head.append(th);
  }
  document.querySelector('#segment-table thead').replaceChildren(head);
}

// A centroid's feature under the live model, the baseline's beside it.
function centroidCell(live, baseline) {
  const td = cell(fixed(live, 2) + ' ');
  td.append(el('span', 'was', '(' + fixed(baseline, 2) + ')'));
  return td;
}

// The chart and the last evaluations, when the model reports a new evaluation.
async function refreshHistory(m) {
  const key = m.drift.evaluated_at + ' ' + (m.baseline ? m.baseline.version : 0);
  if (key === lastEvaluation) return;
  const chart = await fetch('/v1/drift/chart.svg', {cache: 'no-store'});
  if (chart.ok) {
    if (chartUrl) URL.revokeObjectURL(chartUrl);
    chartUrl = URL.createObjectURL(await chart.blob());
    $('ari-chart').src = chartUrl;
  }
  const records = [];
  if (m.drift.as_of) {
    // The last ~90 days of event time, at most ten pages: enough for the newest few.
    const from = new Date(Date.parse(m.drift.as_of) - 90 * 86400e3).toISOString().slice(0, 10);
    let token = '';
    for (let page = 0; page < 10; ++page) {
      const r = await getJson('/v1/drift?page_size=1000&from=' + from +
                              (token ? '&page_token=' + encodeURIComponent(token) : ''));
      if (!r.ok) break;
      records.push(...r.body.evaluations);
      token = r.body.next_page_token;
      if (!token) break;
    }
  }
  fillRows('#evaluations tbody', records.slice(-10).reverse().map((e) => [
    cell(e.as_of.slice(0, 16).replace('T', ' '), null, 'name'), cell(fixed(e.ari.online, 3)),
    cell(fixed(e.ari.refit, 3)), cell(fixed(e.psi, 3)),
    cell(e.policy.retrain_recommended ? 'recommended' : 'no', null, 'name')]));
  lastEvaluation = key;
}

async function refresh() {
  try {
    const [status, model, segments] = await Promise.all(
        [getJson('/v1/status'), getJson('/v1/model'), getJson('/v1/segments')]);
    if (!status.ok) throw new Error('/v1/status answered HTTP ' + status.status);
    if (!model.ok) throw new Error('/v1/model answered HTTP ' + model.status);
    renderStatus(status.body);
    renderDrift(model.body);
    renderSegments(segments);
    await refreshHistory(model.body);
    $('error').hidden = true;
    setText('updated', 'updated ' + new Date().toISOString().slice(11, 19) +
            ' UTC · refreshes every ' + REFRESH_MS / 1000 + ' s');
  } catch (e) {
    setText('error', 'segd does not answer (' + e.message + '): the figures below are from ' +
            'the last successful refresh; retrying every ' + REFRESH_MS / 1000 + ' s');
    $('error').hidden = false;
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, REFRESH_MS);
}

$('lookup').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = $('lookup-id').value.trim();
  if (id) window.location.href = '/v1/customers/' + encodeURIComponent(id);
});
loop();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view StatusPageHtml() { return kPage; }

}  // namespace segd

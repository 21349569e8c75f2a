/**
 * The live view's page: one HTML document with inline CSS and script (no CDN, no fetch of
 * anything but its own server). The script builds every element with createElement and
 * textContent, never innerHTML, so names and statuses from the API server are shown as text
 * whatever they contain; the server's Content-Security-Policy admits only this script (by hash).
 *
 * It draws routers and nodes with one line per BGPSessionState (colour: BGP state; dot: BFD
 * state), the services each node announces (ServiceBGPStatus), a table and a `-w` log like
 * `kubectl get bgpsessionstates -A -o wide -w`, and fault buttons per router.
 *
 * `window.liveView.renders` records when each session's BGP/BFD state reached the page
 * (wall ms), so tests and the latency benchmark can measure fault-to-page time.
 */
import { BFD_COLOURS, BGP_COLOURS } from '../scenario/report/html.js';
import { escapeText } from '../scenario/report/xml.js';

/** CR bfdStatus strings to the report's BFD colours (the CR says `Admin Down`, `N/A`). */
const CR_BFD_COLOURS: Record<string, string> = {
  Up: BFD_COLOURS['Up']!,
  Down: BFD_COLOURS['Down']!,
  'Admin Down': BFD_COLOURS['AdminDown']!,
  Unknown: '#9e9e9e',
  'N/A': '#cfd8dc',
};

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:16px 20px;color:#212121;background:#fff}
header{display:flex;align-items:baseline;gap:16px}h1{font-size:19px;margin:0 0 8px}
h2{font-size:15px;margin:18px 0 6px}code,pre,td.m{font:12px/1.35 ui-monospace,monospace}
#conn{font-size:12px;padding:1px 8px;border-radius:8px;background:#eee}#conn.live{background:#c8e6c9}
#conn.lost{background:#ffcdd2}.grid{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
svg{border:1px solid #e0e0e0;background:#fafafa}svg text{font:12px system-ui,sans-serif}
svg text.small{font-size:11px}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}th{background:#f5f5f5;font-weight:600}
tr.changed td{animation:flash 1.2s}@keyframes flash{from{background:#fff59d}to{background:transparent}}
pre{background:#fafafa;border:1px solid #eee;padding:6px 8px;max-height:220px;overflow:auto;margin:6px 0}
.faults .router{margin:4px 0}.faults button{margin:2px 3px 2px 0;font-size:12px}
.legend span{display:inline-block;margin-right:10px;font-size:12px}
.swatch{display:inline-block;width:11px;height:11px;vertical-align:middle;margin-right:3px;border-radius:2px}
#result{font-size:12px;color:#555}#result.err{color:#c62828}
`;

/** The browser script. Plain ES2020; no template literals (this file embeds it in one). */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var BGP = __BGP__;
  var BFD = __BFD__;
  var SVGNS = 'http://www.w3.org/2000/svg';
  var FAULT_LABELS = {
    'link-down': 'link down', 'link-up': 'link up', 'drop-bfd': 'drop BFD',
    'restore-bfd': 'restore BFD', 'drop-bgp': 'drop BGP', 'restore-bgp': 'restore BGP',
    'restart': 'restart bgpd'
  };
  var state = { topology: null, sessions: new Map(), announcements: new Map(), services: new Map() };
  var view = { renders: [], events: 0, connected: false };
  window.liveView = view;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function pad(s, n) { s = String(s); while (s.length < n) s += ' '; return s + ' '; }
  function $(id) { return document.getElementById(id); }

  function reset(topology) {
    state.topology = topology;
    state.sessions.clear(); state.announcements.clear(); state.services.clear();
    $('lab').textContent = topology ? topology.lab + ' (backend ' + topology.backend + ')' : 'waiting for a lab';
    clear($('sessions').tBodies[0]);
    clear($('watchlog'));
    $('watchlog').appendChild(document.createTextNode(
      pad('NAMESPACE', 20) + pad('NAME', 18) + pad('NODE', 12) + pad('PEER', 14) + pad('VRF', 5) + pad('BGP', 13) + 'BFD\n'));
    drawFaults();
    draw();
  }

  function sessionRow(key, s) {
    var body = $('sessions').tBodies[0];
    var tr = null;
    for (var i = 0; i < body.rows.length; i++) if (body.rows[i].getAttribute('data-key') === key) tr = body.rows[i];
    if (!s) { if (tr) body.removeChild(tr); return; }
    var cells = [s.namespace, s.name, s.node, s.peer, s.vrf, s.bgp, s.bfd];
    if (!tr) {
      tr = el('tr', { 'data-key': key });
      for (var j = 0; j < cells.length; j++) tr.appendChild(el('td', { class: 'm' }));
      body.appendChild(tr);
    }
    for (var c = 0; c < cells.length; c++) tr.cells[c].textContent = cells[c];
    tr.setAttribute('data-node', s.node); tr.setAttribute('data-peer', s.peer);
    tr.setAttribute('data-bgp', s.bgp); tr.setAttribute('data-bfd', s.bfd);
    tr.cells[5].style.color = BGP[s.bgp] || '#000';
    tr.cells[6].style.color = BFD[s.bfd] || '#000';
    tr.classList.remove('changed'); void tr.offsetWidth; tr.classList.add('changed');
  }

  function watchLine(type, s) {
    var log = $('watchlog');
    var line = pad(s.namespace, 20) + pad(s.name, 18) + pad(s.node, 12) + pad(s.peer, 14) + pad(s.vrf, 5) + pad(s.bgp, 13) + s.bfd + (type === 'DELETED' ? '   (deleted)' : '') + '\n';
    log.appendChild(document.createTextNode(line));
    while (log.childNodes.length > 300) log.removeChild(log.childNodes[1]);
    log.scrollTop = log.scrollHeight;
  }

  function apply(m) {
    view.events++;
    var o = m.object;
    var key = o.namespace + '/' + o.name;
    if (m.kind === 'BGPSessionState') {
      var before = state.sessions.get(key);
      if (m.type === 'DELETED') state.sessions.delete(key); else state.sessions.set(key, o);
      sessionRow(key, m.type === 'DELETED' ? null : o);
      watchLine(m.type, o);
      if (m.type !== 'DELETED' && (!before || before.bgp !== o.bgp || before.bfd !== o.bfd)) {
        view.renders.push({ node: o.node, peer: o.peer, bgp: o.bgp, bfd: o.bfd, seenAt: m.seenAt, at: Date.now() });
      }
    } else if (m.kind === 'ServiceBGPStatus') {
      if (m.type === 'DELETED') state.announcements.delete(key); else state.announcements.set(key, o);
    } else if (m.kind === 'Service') {
      if (m.type === 'DELETED') state.services.delete(key); else state.services.set(key, o);
    }
    draw();
    if (m.kind !== 'BGPSessionState') drawServices();
  }

  function drawServices() {
    var body = $('services').tBodies[0];
    clear(body);
    state.services.forEach(function (svc) {
      if (svc.type !== 'LoadBalancer') return;
      var nodes = [];
      state.announcements.forEach(function (a) {
        if (a.serviceName === svc.name && a.serviceNamespace === svc.namespace) nodes.push(a.node + ' -> ' + (a.peers.length ? a.peers.join(', ') : 'all peers'));
      });
      nodes.sort();
      var tr = el('tr', { 'data-service': svc.namespace + '/' + svc.name });
      tr.appendChild(el('td', { class: 'm' }, svc.namespace + '/' + svc.name));
      tr.appendChild(el('td', { class: 'm' }, svc.ips.join(', ') || '<pending>'));
      tr.appendChild(el('td', { class: 'm' }, nodes.join('; ') || 'not announced'));
      body.appendChild(tr);
    });
  }

  function draw() {
    var svg = $('topo');
    clear(svg);
    var t = state.topology;
    if (!t) { svg.setAttribute('width', 400); svg.setAttribute('height', 60); svg.appendChild(sv('text', { x: 12, y: 34 }, 'no lab attached')); return; }
    var cols = Math.max(t.routers.length, t.nodes.length, 2);
    var W = Math.max(640, cols * 230), RY = 24, NY = 200, BW = 170, BH = 44;
    var extra = 0;
    t.nodes.forEach(function (n) {
      var k = 0;
      state.announcements.forEach(function (a) { if (a.node === n.name) k++; });
      state.sessions.forEach(function (x) { if (x.node === n.name) k++; });
      extra = Math.max(extra, k);
    });
    svg.setAttribute('width', W); svg.setAttribute('height', NY + BH + 30 + extra * 16);
    function xr(i) { return (W / t.routers.length) * (i + 0.5); }
    function xn(i) { return (W / t.nodes.length) * (i + 0.5); }
    var pairs = new Map(), byNode = {};
    state.sessions.forEach(function (s) {
      var ri = -1;
      t.routers.forEach(function (r, i) { if (r.peerNames.indexOf(s.peer) >= 0) ri = i; });
      var ni = -1;
      t.nodes.forEach(function (n, i) { if (n.name === s.node) ni = i; });
      if (ri < 0 || ni < 0) return;
      var pk = ri + '/' + ni, k = pairs.get(pk) || 0;
      pairs.set(pk, k + 1);
      var off = k * 18;
      var x1 = xr(ri) + off, y1 = RY + BH, x2 = xn(ni) + off, y2 = NY;
      var g = sv('g', { class: 'session', 'data-node': s.node, 'data-peer': s.peer, 'data-bgp': s.bgp, 'data-bfd': s.bfd });
      g.appendChild(sv('title', {}, s.node + ' -> ' + s.peer + ': BGP ' + s.bgp + ', BFD ' + s.bfd));
      g.appendChild(sv('line', { x1: x1, y1: y1, x2: x2, y2: y2, stroke: BGP[s.bgp] || '#9e9e9e', 'stroke-width': 5, 'stroke-dasharray': s.bgp === 'Established' ? '' : '8 5' }));
      // Dot and label near the node's end, so crossing lines keep their labels apart.
      var mx = x1 + (x2 - x1) * 0.7, my = y1 + (y2 - y1) * 0.7;
      g.appendChild(sv('circle', { cx: mx, cy: my, r: 8, fill: BFD[s.bfd] || '#9e9e9e', stroke: '#fff', 'stroke-width': 2 }));
      svg.appendChild(g);
      (byNode[s.node] = byNode[s.node] || []).push({ router: t.routers[ri].name, s: s });
    });
    t.routers.forEach(function (r, i) {
      var g = sv('g', { class: 'router', 'data-router': r.name });
      g.appendChild(sv('rect', { x: xr(i) - BW / 2, y: RY, width: BW, height: BH, rx: 6, fill: '#e3f2fd', stroke: '#1565c0' }));
      g.appendChild(sv('text', { x: xr(i) - BW / 2 + 8, y: RY + 18 }, r.name + '  AS ' + r.asn + (r.bfd ? '  BFD' : '')));
      g.appendChild(sv('text', { x: xr(i) - BW / 2 + 8, y: RY + 35, class: 'small' }, r.addresses.join('  ')));
      svg.appendChild(g);
    });
    t.nodes.forEach(function (n, i) {
      var g = sv('g', { class: 'node', 'data-node': n.name });
      g.appendChild(sv('rect', { x: xn(i) - BW / 2, y: NY, width: BW, height: BH, rx: 6, fill: '#f1f8e9', stroke: '#558b2f' }));
      g.appendChild(sv('text', { x: xn(i) - BW / 2 + 8, y: NY + 18 }, n.name));
      g.appendChild(sv('text', { x: xn(i) - BW / 2 + 8, y: NY + 35, class: 'small' }, n.addresses.join('  ')));
      var y = NY + BH + 18;
      (byNode[n.name] || []).sort(function (a, b) { return a.router < b.router ? -1 : 1; }).forEach(function (x) {
        var line = sv('text', { x: xn(i) - BW / 2 + 8, y: y, class: 'small' });
        line.appendChild(sv('tspan', {}, x.router + ' ' + x.s.peer + ': '));
        line.appendChild(sv('tspan', { 'font-weight': 600 }, x.s.bgp));
        line.appendChild(sv('tspan', {}, ', BFD '));
        line.appendChild(sv('tspan', { fill: BFD[x.s.bfd] || '#000', 'font-weight': 600 }, x.s.bfd));
        g.appendChild(line);
        y += 16;
      });
      state.announcements.forEach(function (a) {
        if (a.node !== n.name) return;
        var svc = state.services.get(a.serviceNamespace + '/' + a.serviceName);
        g.appendChild(sv('text', { x: xn(i) - BW / 2 + 8, y: y, class: 'small announce' },
          'announces ' + a.serviceNamespace + '/' + a.serviceName + (svc && svc.ips.length ? ' ' + svc.ips.join(', ') : '')));
        y += 16;
      });
      svg.appendChild(g);
    });
  }

  function drawFaults() {
    var box = $('faults');
    clear(box);
    var t = state.topology;
    if (!t) return;
    t.routers.forEach(function (r) {
      var row = el('div', { class: 'router' });
      row.appendChild(el('strong', {}, r.name + ' '));
      var sel = el('select', { 'data-router': r.name, 'aria-label': 'node' });
      sel.appendChild(el('option', { value: '' }, 'all nodes'));
      t.nodes.forEach(function (n) { sel.appendChild(el('option', { value: n.name }, n.name)); });
      row.appendChild(sel);
      row.appendChild(document.createTextNode(' '));
      t.faults.forEach(function (f) {
        var b = el('button', { type: 'button', 'data-fault': f, 'data-router': r.name }, FAULT_LABELS[f] || f);
        b.addEventListener('click', function () { inject(b, { fault: f, router: r.name, node: sel.value }); });
        row.appendChild(b);
      });
      box.appendChild(row);
    });
  }

  function inject(button, req) {
    var res = $('result');
    button.disabled = true;
    res.className = ''; res.textContent = req.fault + ' ' + req.router + (req.node ? ' ' + req.node : '') + ': ...';
    fetch('/api/inject', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (r) {
        res.className = r.ok ? '' : 'err';
        res.textContent = req.fault + ' ' + req.router + (req.node ? ' ' + req.node : '') + ': ' + (r.ok ? 'done' : r.body.code + ' ' + r.body.error);
        view.lastInject = { request: req, ok: r.ok, body: r.body, at: Date.now() };
      })
      .catch(function (e) { res.className = 'err'; res.textContent = String(e); })
      .then(function () { button.disabled = false; });
  }

  var es = new EventSource('/events');
  es.addEventListener('hello', function (ev) { reset(JSON.parse(ev.data).topology); });
  es.addEventListener('watch', function (ev) { apply(JSON.parse(ev.data)); });
  es.onopen = function () { view.connected = true; $('conn').className = 'live'; $('conn').textContent = 'live'; };
  es.onerror = function () { view.connected = false; $('conn').className = 'lost'; $('conn').textContent = 'reconnecting'; };
  draw();
})();
`
  .replace('__BGP__', JSON.stringify(BGP_COLOURS))
  .replace('__BFD__', JSON.stringify(CR_BFD_COLOURS));

function legend(colours: Record<string, string>): string {
  return Object.entries(colours)
    .map(
      ([k, c]) =>
        `<span><i class="swatch" style="background:${escapeText(c)}"></i>${escapeText(k)}</span>`,
    )
    .join('');
}

export function livePage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeText(title)}: speakersim live view</title><style>${CSS}</style></head>
<body>
<header><h1>speakersim live view: <span id="lab">connecting</span></h1><span id="conn">connecting</span></header>
<div class="grid">
<section><svg id="topo" role="img" aria-label="topology"></svg>
<div class="legend">line: BGP ${legend(BGP_COLOURS)}</div>
<div class="legend">dot: BFD ${legend(CR_BFD_COLOURS)}</div></section>
<section><h2>Faults (as <code>speakersim inject</code>)</h2><div id="faults" class="faults"></div><div id="result"></div>
<h2>Services</h2><table id="services"><thead><tr><th>SERVICE</th><th>EXTERNAL-IP</th><th>ANNOUNCED BY (ServiceBGPStatus)</th></tr></thead><tbody></tbody></table></section>
</div>
<h2>BGPSessionState <code>kubectl get bgpsessionstates.frrk8s.metallb.io -A -o wide -w</code></h2>
<table id="sessions"><thead><tr><th>NAMESPACE</th><th>NAME</th><th>NODE</th><th>PEER</th><th>VRF</th><th>BGP</th><th>BFD</th></tr></thead><tbody></tbody></table>
<pre id="watchlog"></pre>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

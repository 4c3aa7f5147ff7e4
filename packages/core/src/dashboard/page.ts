/**
 * The dashboard page: one self-contained HTML document (inline CSS and JS, no external requests, no build step)
 * that subscribes to `/events` and redraws on each snapshot. The script avoids backquotes so that it can live in
 * this template literal.
 */
export const DASHBOARD_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>peercall dashboard</title>
<style>
  :root { --bg:#f5f6f8; --card:#fff; --ink:#1c2330; --mute:#6b7280; --line:#e5e7eb;
          --alive:#16a34a; --suspect:#d97706; --dead:#dc2626; --left:#6b7280; --accent:#2563eb; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; background:#111827; color:#f9fafb; }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .meta { color:#9ca3af; font-size:13px; }
  header .meta code { color:#e5e7eb; }
  #status { margin-left:auto; font-size:13px; display:flex; align-items:center; gap:6px; }
  #status .dot { width:10px; height:10px; border-radius:50%; background:#9ca3af; display:inline-block; }
  #status.live .dot { background:#22c55e; } #status.down .dot { background:#ef4444; }
  main { display:grid; grid-template-columns: repeat(12, 1fr); gap:14px; padding:14px 20px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
  section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--mute); margin:0 0 10px; font-weight:600; }
  .span12 { grid-column: span 12; } .span8 { grid-column: span 8; } .span7 { grid-column: span 7; }
  .span6 { grid-column: span 6; } .span5 { grid-column: span 5; } .span4 { grid-column: span 4; } .span3 { grid-column: span 3; }
  @media (max-width: 1000px) { .span8,.span7,.span6,.span5,.span4,.span3 { grid-column: span 12; } }
  .kpi { font-size:26px; font-weight:600; } .kpi small { font-size:13px; color:var(--mute); font-weight:400; }
  table { width:100%; border-collapse:collapse; }
  .tablewrap { overflow:auto; max-height:480px; }
  .tablewrap thead th { position:sticky; top:0; background:var(--card); }
  td.wrap { white-space:normal; overflow-wrap:anywhere; min-width:8em; }
  th, td { text-align:left; padding:5px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { font-size:12px; color:var(--mute); font-weight:600; }
  td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
  .badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; }
  .s-alive { background:var(--alive); } .s-suspect { background:var(--suspect); } .s-dead { background:var(--dead); } .s-left { background:var(--left); }
  .s-join { background:var(--alive); } .s-leave { background:var(--left); }
  tr.state-dead td, tr.state-left td { color:var(--mute); }
  .swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align:middle; }
  .peer { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:13px; }
  .bar { background:#eef2f7; border-radius:4px; height:16px; position:relative; overflow:hidden; min-width:120px; }
  .bar > div { height:100%; border-radius:4px; }
  .bar > span { position:absolute; right:6px; top:0; font-size:11px; line-height:16px; color:var(--ink); }
  .loadrow { display:grid; grid-template-columns: 150px 1fr; gap:8px; align-items:center; margin:6px 0; }
  .rings { display:flex; flex-wrap:wrap; gap:18px; }
  .ring { display:flex; gap:10px; align-items:center; }
  .ring h3 { margin:0 0 4px; font-size:13px; }
  .legend div { font-size:12px; margin:2px 0; }
  .events { max-height:260px; overflow:auto; }
  .events div { padding:3px 0; border-bottom:1px solid var(--line); font-size:13px; }
  .events time { color:var(--mute); margin-right:8px; font-variant-numeric: tabular-nums; }
  .muted { color:var(--mute); }
  svg text { font: 11px system-ui, sans-serif; fill: var(--mute); }
</style>
</head>
<body>
<header>
  <h1>peercall</h1>
  <div class="meta">cluster <code id="cluster">?</code> &middot; this peer <code id="self">?</code> &middot; up <span id="uptime">0s</span></div>
  <div id="status" data-testid="status"><span class="dot"></span><span id="status-text">connecting</span></div>
</header>
<main>
  <section class="span3"><h2>Members</h2><div class="kpi" id="k-members">0</div><div class="muted" id="k-states"></div></section>
  <section class="span3"><h2>Calls made</h2><div class="kpi" id="k-calls">0 <small>/s</small></div><div class="muted" id="k-calls-total"></div></section>
  <section class="span3"><h2>Errors</h2><div class="kpi" id="k-errors">0 <small>/s</small></div><div class="muted" id="k-errors-total"></div></section>
  <section class="span3"><h2>Calls served</h2><div class="kpi" id="k-served">0 <small>/s</small></div><div class="muted" id="k-served-total"></div></section>

  <section class="span8"><h2>Members</h2>
    <div class="tablewrap" id="members-wrap"><table id="members"><thead><tr><th>peer</th><th>state</th><th class="num">incarnation</th><th>services</th><th class="num">in flight</th><th class="num">latency</th><th class="num">CPU</th><th class="num">loop delay</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section class="span4"><h2>Load per peer <span class="muted" style="text-transform:none">(calls in flight, gossiped)</span></h2><div id="load"></div></section>

  <section class="span7"><h2>Hash ring ownership <span class="muted" style="text-transform:none">(outer: owner of each arc of the ring; inner: share per peer)</span></h2><div class="rings" id="rings"><span class="muted">no services yet</span></div></section>
  <section class="span5"><h2>Recent membership events</h2><div class="events" id="events"><span class="muted">none yet</span></div></section>

  <section class="span6"><h2>Call rate <span class="muted" style="text-transform:none">(last 60 s: calls made <span style="color:#2563eb">&#9632;</span>, errors <span style="color:#dc2626">&#9632;</span>, served <span style="color:#16a34a">&#9632;</span>)</span></h2><svg id="spark" width="100%" height="120" viewBox="0 0 600 120" preserveAspectRatio="none"></svg></section>
  <section class="span3"><h2>Outcome codes</h2><table id="codes"><thead><tr><th>code</th><th class="num">made</th><th class="num">served</th></tr></thead><tbody></tbody></table></section>
  <section class="span3"><h2>Methods called</h2><table id="methods"><thead><tr><th>method</th><th class="num">calls</th><th class="num">errors</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
(function () {
  'use strict'
  var $ = function (id) { return document.getElementById(id) }
  function esc (s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] }) }
  function short (id) { return id.length > 12 ? '\u2026' + id.slice(-8) : id }
  function hue (id) { var h = 0; for (var i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0; return h % 360 }
  function color (id) { return 'hsl(' + hue(id) + ', 62%, 52%)' }
  function fmt (n, d) { return (Math.round(n * Math.pow(10, d)) / Math.pow(10, d)).toFixed(d) }
  function dur (ms) { var s = Math.floor(ms / 1000); if (s < 60) return s + 's'; var m = Math.floor(s / 60); if (m < 60) return m + 'm ' + (s % 60) + 's'; return Math.floor(m / 60) + 'h ' + (m % 60) + 'm' }
  function clock (t) { var d = new Date(t); return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0') }
  var ORDER = { alive: 0, suspect: 1, dead: 2, left: 3 }

  function render (s) {
    $('cluster').textContent = s.cluster
    $('self').textContent = short(s.self)
    $('self').title = s.self
    $('uptime').textContent = dur(s.at - s.startedAt)
    var members = s.members.slice().sort(function (a, b) { return (ORDER[a.state] - ORDER[b.state]) || (a.peerId < b.peerId ? -1 : 1) })
    var counts = { alive: 0, suspect: 0, dead: 0, left: 0 }
    members.forEach(function (m) { counts[m.state]++ })
    $('k-members').textContent = String(counts.alive + counts.suspect)
    $('k-states').textContent = counts.alive + ' alive, ' + counts.suspect + ' suspect, ' + counts.dead + ' dead, ' + counts.left + ' left'

    var rate = s.rates.length > 0 ? s.rates[s.rates.length - 1] : { calls: 0, errors: 0, served: 0 }
    var made = 0, failed = 0, served = 0
    Object.keys(s.codes).forEach(function (c) { made += s.codes[c]; if (c !== 'OK') failed += s.codes[c] })
    Object.keys(s.servedCodes).forEach(function (c) { served += s.servedCodes[c] })
    $('k-calls').innerHTML = fmt(rate.calls, 1) + ' <small>/s</small>'
    $('k-calls-total').textContent = made + ' since start'
    $('k-errors').innerHTML = fmt(rate.errors, 1) + ' <small>/s</small>'
    $('k-errors-total').textContent = failed + ' since start'
    $('k-served').innerHTML = fmt(rate.served, 1) + ' <small>/s</small>'
    $('k-served-total').textContent = served + ' since start'

    var rows = members.map(function (m) {
      var l = m.load || {}
      return '<tr data-peer="' + esc(m.peerId) + '" data-state="' + esc(m.state) + '" class="state-' + esc(m.state) + '">' +
        '<td class="peer" title="' + esc(m.peerId + '\n' + (m.addrs || []).join('\n')) + '"><span class="swatch" style="background:' + color(m.peerId) + '"></span>' + esc(short(m.peerId)) + (m.self ? ' <span class="muted">(this)</span>' : '') + '</td>' +
        '<td><span class="badge s-' + esc(m.state) + '">' + esc(m.state) + '</span></td>' +
        '<td class="num">' + esc(m.incarnation) + '</td>' +
        '<td class="wrap">' + (m.services.length ? esc(m.services.join(', ')) : '<span class="muted">none</span>') + '</td>' +
        '<td class="num">' + esc(l.inflight || 0) + '</td>' +
        '<td class="num">' + fmt(l.latencyMs || 0, 1) + ' ms</td>' +
        '<td class="num">' + (l.cpu === undefined || l.cpu === null ? '\u2013' : Math.round(l.cpu * 100) + '%') + '</td>' +
        '<td class="num">' + (l.eventLoopDelayMs === undefined || l.eventLoopDelayMs === null ? '\u2013' : fmt(l.eventLoopDelayMs, 1) + ' ms') + '</td></tr>'
    })
    $('members').tBodies[0].innerHTML = rows.join('')

    var live = members.filter(function (m) { return m.state === 'alive' || m.state === 'suspect' })
    var max = 1
    live.forEach(function (m) { max = Math.max(max, (m.load && m.load.inflight) || 0) })
    $('load').innerHTML = live.length === 0 ? '<span class="muted">no live members</span>' : live.map(function (m) {
      var n = (m.load && m.load.inflight) || 0
      var cpu = m.load && typeof m.load.cpu === 'number' ? ', CPU ' + Math.round(m.load.cpu * 100) + '%' : ''
      return '<div class="loadrow" data-peer="' + esc(m.peerId) + '"><div class="peer"><span class="swatch" style="background:' + color(m.peerId) + '"></span>' + esc(short(m.peerId)) + '</div>' +
        '<div class="bar" title="' + n + ' in flight, ' + fmt((m.load && m.load.latencyMs) || 0, 1) + ' ms' + cpu + '"><div style="width:' + Math.max(1, 100 * n / max) + '%;background:' + color(m.peerId) + '"></div><span>' + n + ' in flight &middot; ' + fmt((m.load && m.load.latencyMs) || 0, 1) + ' ms' + esc(cpu) + '</span></div></div>'
    }).join('')

    var services = Object.keys(s.rings)
    $('rings').innerHTML = services.length === 0 ? '<span class="muted">no services hosted by live members</span>' : services.map(function (name) {
      var r = s.rings[name]
      return '<div class="ring" data-service="' + esc(name) + '">' + donut(r) + '<div><h3>' + esc(name) + '</h3><div class="legend">' +
        r.peers.map(function (p) { return '<div><span class="swatch" style="background:' + color(p) + '"></span><span class="peer">' + esc(short(p)) + '</span> ' + fmt(100 * r.shares[p], 1) + '%</div>' }).join('') +
        '</div></div></div>'
    }).join('')

    spark(s.rates)

    var codes = {}
    Object.keys(s.codes).forEach(function (c) { codes[c] = true })
    Object.keys(s.servedCodes).forEach(function (c) { codes[c] = true })
    $('codes').tBodies[0].innerHTML = Object.keys(codes).sort().map(function (c) {
      return '<tr><td><span class="badge" style="background:' + (c === 'OK' ? 'var(--alive)' : 'var(--dead)') + '">' + esc(c) + '</span></td><td class="num">' + (s.codes[c] || 0) + '</td><td class="num">' + (s.servedCodes[c] || 0) + '</td></tr>'
    }).join('') || '<tr><td colspan="3" class="muted">no calls yet</td></tr>'
    $('methods').tBodies[0].innerHTML = Object.keys(s.methods).sort().map(function (k) {
      return '<tr><td>' + esc(k) + '</td><td class="num">' + s.methods[k].calls + '</td><td class="num">' + s.methods[k].errors + '</td></tr>'
    }).join('') || '<tr><td colspan="3" class="muted">no calls yet</td></tr>'

    $('events').innerHTML = s.events.length === 0 ? '<span class="muted">none yet</span>' : s.events.slice().reverse().map(function (e) {
      return '<div data-type="' + esc(e.type) + '"><time>' + clock(e.at) + '</time><span class="badge s-' + esc(e.type) + '">' + esc(e.type) + '</span> <span class="peer" title="' + esc(e.peerId) + '">' + esc(short(e.peerId)) + '</span> <span class="muted">inc ' + esc(e.incarnation) + '</span></div>'
    }).join('')
  }

  function donut (r) {
    var n = r.owners.length, R = 53, w = 12, c = 60, out = ''
    if (n === 0) return ''
    var i = 0
    while (i < n) {
      var j = i
      while (j + 1 < n && r.owners[j + 1] === r.owners[i]) j++
      var a0 = 2 * Math.PI * i / n - Math.PI / 2, a1 = 2 * Math.PI * (j + 1) / n - Math.PI / 2
      var large = a1 - a0 > Math.PI ? 1 : 0
      var x0 = c + R * Math.cos(a0), y0 = c + R * Math.sin(a0), x1 = c + R * Math.cos(a1), y1 = c + R * Math.sin(a1)
      if (j - i + 1 === n) out += '<circle cx="' + c + '" cy="' + c + '" r="' + R + '" fill="none" stroke-width="' + w + '" stroke="' + color(r.peers[r.owners[i]]) + '"/>'
      else out += '<path d="M' + x0.toFixed(2) + ' ' + y0.toFixed(2) + ' A' + R + ' ' + R + ' 0 ' + large + ' 1 ' + x1.toFixed(2) + ' ' + y1.toFixed(2) + '" fill="none" stroke-width="' + w + '" stroke="' + color(r.peers[r.owners[i]]) + '"/>'
      i = j + 1
    }
    // inside: each peer's whole share as one arc, so that shares read at a glance
    var start = 0, r2 = 36, w2 = 8
    r.peers.forEach(function (p) {
      var share = r.shares[p] || 0
      if (share <= 0) return
      if (share >= 0.9999) { out += '<circle cx="' + c + '" cy="' + c + '" r="' + r2 + '" fill="none" stroke-width="' + w2 + '" stroke="' + color(p) + '"/>'; return }
      var b0 = 2 * Math.PI * start - Math.PI / 2, b1 = 2 * Math.PI * (start + share) - Math.PI / 2
      out += '<path d="M' + (c + r2 * Math.cos(b0)).toFixed(2) + ' ' + (c + r2 * Math.sin(b0)).toFixed(2) + ' A' + r2 + ' ' + r2 + ' 0 ' + (share > 0.5 ? 1 : 0) + ' 1 ' + (c + r2 * Math.cos(b1)).toFixed(2) + ' ' + (c + r2 * Math.sin(b1)).toFixed(2) + '" fill="none" stroke-width="' + w2 + '" stroke="' + color(p) + '"/>'
      start += share
    })
    return '<svg width="120" height="120" viewBox="0 0 120 120" role="img" aria-label="ring ownership: outer, owner of each arc of the ring; inner, each peer\'s share">' + out +
      '<text x="60" y="64" text-anchor="middle" font-size="10">' + r.peers.length + ' peer' + (r.peers.length === 1 ? '' : 's') + '</text></svg>'
  }

  function spark (rates) {
    var W = 600, H = 120, pad = 16, max = 1
    rates.forEach(function (p) { max = Math.max(max, p.calls, p.served, p.errors) })
    function line (key, col) {
      if (rates.length < 2) return ''
      var pts = rates.map(function (p, i) { return (pad + (W - 2 * pad) * (i + 60 - rates.length) / 59).toFixed(1) + ',' + (H - pad - (H - 2 * pad) * p[key] / max).toFixed(1) })
      return '<polyline fill="none" stroke="' + col + '" stroke-width="2" vector-effect="non-scaling-stroke" points="' + pts.join(' ') + '"/>'
    }
    $('spark').innerHTML = '<line x1="' + pad + '" y1="' + (H - pad) + '" x2="' + (W - pad) + '" y2="' + (H - pad) + '" stroke="#e5e7eb"/>' +
      '<text x="' + pad + '" y="12">' + fmt(max, 1) + '/s</text>' +
      line('served', '#16a34a') + line('calls', '#2563eb') + line('errors', '#dc2626')
  }

  function connect () {
    var es = new EventSource('events')
    es.addEventListener('state', function (e) {
      $('status').className = 'live'
      $('status-text').textContent = 'live'
      try { render(JSON.parse(e.data)) } catch (err) { console.error(err) }
    })
    es.onerror = function () { $('status').className = 'down'; $('status-text').textContent = 'disconnected, retrying' }
  }
  connect()
})()
</script>
</body>
</html>
`

// kaudit HTML report: the host table, its filters, sorting, paging and
// per-host detail, rendered from the JSON data island. Every string from the
// data goes into the page through textContent or attribute setters — never
// innerHTML — so remote text is always text.
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('kaudit-data').textContent);
  var S = D.str;
  var HOST_ORDER = { noncompliant: 0, unreachable: 1, incomplete: 2, compliant: 3 };
  var HOST_ICON = { noncompliant: '✗', unreachable: '!', incomplete: '?', compliant: '✓' };
  var RES_ICON = { fail: '✗', error: '⚠', unknown: '?', waived: '⊘', pass: '✓', not_applicable: '–' };
  var RES_LABEL = { not_applicable: 'not applicable', none: 'no result' };
  var REASON = {
    dns: 'name does not resolve', connect: 'cannot connect', timeout: 'timed out',
    hostkey: 'host key not verified', auth: 'authentication failed', sudo: 'sudo refused', collector: 'collector failed'
  };
  var SEVERITY = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  var collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function fmtNum(n) { return n.toLocaleString('en-US'); }
  function fmtDur(ms) {
    if (!ms) return '';
    if (ms < 1000) return ms + 'ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + 's';
    return Math.floor(ms / 60000) + 'm' + String(Math.floor(ms / 1000) % 60).padStart(2, '0') + 's';
  }

  // Derived per-host data.
  var hosts = D.hosts.map(function (h, i) {
    var x = { i: i, h: h, fails: [], below: [], unknown: [], isNew: 0, isFixed: 0, byCheck: {} };
    h.res.forEach(function (r) {
      x.byCheck[r.c] = r;
      var gate = D.checks[r.c] && D.checks[r.c].gate;
      if (r.s === 'fail') (gate ? x.fails : x.below).push(r.c);
      else if ((r.s === 'unknown' || r.s === 'error') && gate) x.unknown.push(r.c);
      if (r.b === 'new') x.isNew++;
      if (r.b === 'fixed') x.isFixed++;
    });
    var lead = function (a, b) {
      var ca = D.checks[a], cb = D.checks[b];
      return ((cb.id === 'kmem.risk') - (ca.id === 'kmem.risk')) || (SEVERITY[cb.sev] || 0) - (SEVERITY[ca.sev] || 0);
    };
    x.fails.sort(lead);
    x.below.sort(lead);
    x.score = x.fails.length * 10000 + x.below.length * 100 + x.unknown.length;
    x.os = S[h.os] || '';
    x.kernel = S[h.k] || '';
    x.groupNames = h.g.map(function (g) { return D.groups[g]; });
    return x;
  });
  function searchText(x) {
    if (x.text === undefined) {
      var h = x.h, parts = [h.n, h.a, x.os, x.kernel, h.r || '', h.e || ''].concat(x.groupNames);
      (h.l || []).forEach(function (kv) { parts.push(kv[0] + '=' + kv[1]); });
      (h.rt || []).forEach(function (s) { parts.push(S[s]); });
      h.res.forEach(function (r) { parts.push(D.checks[r.c].id, S[r.m]); });
      x.text = parts.join('\n').toLowerCase();
    }
    return x.text;
  }

  var printing = false;
  var state = { status: '', group: '', check: '', result: 'fail', label: '', q: '', sort: 'status', dir: 1, page: 0, size: 100 };
  var open = {}; // host index → true
  var linked = -1; // the host #host= names

  // Filters.
  var fStatus = $('f-status'), fGroup = $('f-group'), fCheck = $('f-check'), fLabel = $('f-label'), fQ = $('f-q');
  var fResult = el('select');
  fResult.id = 'f-result';
  [['fail', 'failing'], ['finding', 'fail, unknown or error'], ['unknown', 'unknown or error'], ['pass', 'passing'], ['waived', 'waived'], ['not_applicable', 'not applicable']]
    .forEach(function (o) { var opt = el('option', null, o[1]); opt.value = o[0]; fResult.appendChild(opt); });
  var resultLabel = add(el('label', null, 'Result '), fResult);
  fCheck.parentNode.parentNode.insertBefore(resultLabel, fCheck.parentNode.nextSibling);

  var labelSet = {};
  hosts.forEach(function (x) { (x.h.l || []).forEach(function (kv) { labelSet[kv[0] + '=' + kv[1]] = true; }); });
  Object.keys(labelSet).sort(collator.compare).slice(0, 1000).forEach(function (kv) {
    var o = document.createElement('option');
    o.value = kv;
    $('label-list').appendChild(o);
  });

  function resultMatches(r, want) {
    if (!r) return false;
    switch (want) {
      case 'finding': return r.s === 'fail' || r.s === 'unknown' || r.s === 'error';
      case 'unknown': return r.s === 'unknown' || r.s === 'error';
      default: return r.s === want;
    }
  }
  function checkIndex(id) {
    for (var i = 0; i < D.checks.length; i++) if (D.checks[i].id === id) return i;
    return -1;
  }
  function matches(x) {
    var h = x.h;
    if (state.status && h.s !== state.status) return false;
    if (state.group) {
      if (x.groupNames.indexOf(state.group) < 0) return false;
    }
    if (state.check) {
      if (!resultMatches(x.byCheck[checkIndex(state.check)], state.result)) return false;
    }
    if (state.label) {
      var want = state.label, eq = want.indexOf('='), ok = false;
      var k = eq < 0 ? want : want.slice(0, eq), v = eq < 0 ? null : want.slice(eq + 1);
      (h.l || []).forEach(function (kv) { if (kv[0] === k && (v === null || kv[1] === v)) ok = true; });
      if (!ok) return false;
    }
    if (state.q) {
      var text = searchText(x), terms = state.q.toLowerCase().split(/\s+/);
      for (var i = 0; i < terms.length; i++) if (terms[i] && text.indexOf(terms[i]) < 0) return false;
    }
    return true;
  }

  // Sorting.
  function ipKey(a) {
    var m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
    return m ? ((+m[1]) * 16777216 + (+m[2]) * 65536 + (+m[3]) * 256 + (+m[4])) : null;
  }
  var SORTS = {
    status: function (a, b) { return (HOST_ORDER[a.h.s] - HOST_ORDER[b.h.s]) || (b.score - a.score) || collator.compare(a.h.n, b.h.n); },
    name: function (a, b) { return collator.compare(a.h.n, b.h.n); },
    addr: function (a, b) {
      var x = ipKey(a.h.a), y = ipKey(b.h.a);
      if (x !== null && y !== null) return x - y;
      return collator.compare(a.h.a, b.h.a);
    },
    groups: function (a, b) { return collator.compare(a.groupNames.join(','), b.groupNames.join(',')) || collator.compare(a.h.n, b.h.n); },
    os: function (a, b) { return collator.compare(a.os, b.os) || collator.compare(a.kernel, b.kernel) || collator.compare(a.h.n, b.h.n); },
    failing: function (a, b) { return (b.score - a.score) || (HOST_ORDER[a.h.s] - HOST_ORDER[b.h.s]) || collator.compare(a.h.n, b.h.n); },
    duration: function (a, b) { return (a.h.d - b.h.d) || collator.compare(a.h.n, b.h.n); }
  };

  // Rows.
  function statusBadge(s) {
    var b = el('span', 'badge st-' + s);
    add(b, el('span', null, HOST_ICON[s] || '·'), ' ' + s);
    b.firstChild.setAttribute('aria-hidden', 'true');
    return b;
  }
  function resultBadge(s) {
    var b = el('span', 'badge rs-' + s);
    add(b, el('span', null, RES_ICON[s] || '·'), ' ' + (RES_LABEL[s] || s));
    b.firstChild.setAttribute('aria-hidden', 'true');
    return b;
  }
  function sevTag(sev) { return el('span', 'sev sev-' + sev, sev); }

  function findingsCell(x) {
    var box = el('div', 'findings'), h = x.h, chips = [];
    if (h.s === 'unreachable') {
      var c = el('span', 'chip f-unr', h.r || 'unreachable');
      c.title = REASON[h.r] || '';
      chips.push(c);
    }
    x.fails.forEach(function (ci) { var c = el('code', 'chip f-fail', D.checks[ci].id); c.title = 'fails: ' + D.checks[ci].title; chips.push(c); });
    x.unknown.forEach(function (ci) { var c = el('code', 'chip f-unknown', D.checks[ci].id + ' ?'); c.title = 'unknown or error: ' + D.checks[ci].title; chips.push(c); });
    x.below.forEach(function (ci) { var c = el('code', 'chip f-low', D.checks[ci].id); c.title = 'fails below fail-on: ' + D.checks[ci].title; chips.push(c); });
    var shown = chips.slice(0, 4);
    shown.forEach(function (c) { box.appendChild(c); });
    if (chips.length > shown.length) box.appendChild(el('span', 'more', '+' + (chips.length - shown.length) + ' more'));
    if (x.isNew) box.appendChild(el('span', 'tag b-new', x.isNew + ' new'));
    if (x.isFixed) box.appendChild(el('span', 'tag b-fixed', x.isFixed + ' fixed'));
    if (!box.firstChild) box.appendChild(el('span', 'muted', h.res.length ? 'no findings' : 'no results'));
    if (h.x && h.x.length) {
      var why = el('p', 'why', S[h.x[0]] + (h.x.length > 1 ? ' (+' + (h.x.length - 1) + ' more in the detail)' : ''));
      why.title = h.x.map(function (i) { return S[i]; }).join('\n');
      box.appendChild(why);
    }
    return box;
  }

  function hostRow(x) {
    var h = x.h, tr = el('tr', 'row' + (open[x.i] ? ' open' : '') + (x.i === linked ? ' linked' : ''));
    tr.tabIndex = 0;
    tr.dataset.i = x.i;
    tr.dataset.host = h.n;
    tr.setAttribute('aria-expanded', open[x.i] ? 'true' : 'false');
    var exp = el('span', 'exp', '▸');
    exp.setAttribute('aria-hidden', 'true');
    add(tr, add(el('td', 'c-exp'), exp), add(el('td'), statusBadge(h.s)));
    var name = add(el('th'), el('span', 'h-name', h.n));
    name.scope = 'row';
    tr.appendChild(name);
    add(tr, add(el('td'), el('code', null, h.a)));
    var g = el('td');
    x.groupNames.forEach(function (n) { add(g, el('span', 'chip', n), ' '); });
    tr.appendChild(g);
    add(tr, add(el('td'), x.os || (x.kernel ? '' : el('span', 'muted', '—')), x.kernel ? el('span', 'h-sub', x.kernel) : null));
    add(tr, add(el('td'), findingsCell(x)));
    add(tr, el('td', 'num', fmtDur(h.d)));
    return tr;
  }

  // resultCard renders one result. seen maps remediation texts already
  // shown in this host's detail to their check, so a repeat points back
  // instead of printing the same commands again.
  function resultCard(r, compact, proj, seen) {
    var chk = D.checks[r.c] || { id: '?', title: '', sev: '' };
    var card = el('div', 'res rs-' + r.s);
    card.dataset.check = chk.id;
    var head = add(el('div', 'r-head'), resultBadge(r.s), sevTag(chk.sev), el('code', 'r-id', chk.id), el('span', 'r-title', chk.title));
    if (r.b === 'new') head.appendChild(el('span', 'tag b-new', 'new'));
    if (r.b === 'fixed') head.appendChild(el('span', 'tag b-fixed', 'fixed'));
    if (proj && proj.s !== r.s) {
      var to = add(el('span', 'p-to'), 'after the plan', resultBadge(proj.s));
      to.title = 'The status after the plan; details below';
      head.appendChild(to);
    }
    card.appendChild(head);
    if (S[r.m]) card.appendChild(el('p', 'r-msg', S[r.m]));
    if (r.w) card.appendChild(el('p', 'r-waiver', waiverText(r.w)));
    if (r.ev && r.ev.length) {
      card.appendChild(el('div', 'r-sub', 'Evidence'));
      var tb = el('tbody');
      r.ev.forEach(function (kv) {
        var k = el('th', null, S[kv[0]]);
        k.scope = 'row';
        add(tb, add(el('tr'), k, el('td', null, S[kv[1]])));
      });
      card.appendChild(add(el('table', 'ev'), tb));
    }
    if (S[r.fx] && !compact && seen[r.fx]) {
      add(card, add(el('p', 'r-same'), el('span', 'r-sub', 'Remediation'), ' same as ', el('code', null, seen[r.fx]), ' above'));
    } else if (S[r.fx] && !compact) {
      seen[r.fx] = chk.id;
      card.appendChild(el('div', 'r-sub', 'Remediation'));
      var pre = el('pre', null, S[r.fx]);
      var btn = el('button', 'copy', 'Copy');
      btn.type = 'button';
      btn.setAttribute('aria-label', 'Copy the remediation of ' + chk.id);
      btn.addEventListener('click', function (ev) { ev.stopPropagation(); copyText(S[r.fx], btn, pre); });
      card.appendChild(add(el('div', 'fix'), pre, btn));
    }
    // What the plan makes of it comes last: the card reads now, then after.
    if (proj) card.appendChild(planBlock(r, proj, compact));
    return card;
  }

  function waiverText(w) {
    return 'Waived' + (w.was ? ' (was ' + w.was + ')' : '') + (w.owner ? ' by ' + w.owner : '') +
      (w.expires ? ' until ' + w.expires : '') + (w.ticket ? ' · ' + w.ticket : '') + ': ' + w.reason;
  }

  // planBlock shows a result after the plan (kaudit gate) inside the card
  // of the current one: its status, whether it is predicted, its message
  // when it differs, its waiver, and the gate's notes — what the plan sets
  // and what is predicted, fact path by fact path. Compact (a passing or
  // not-applicable card whose result the plan keeps) shows the status only.
  function planBlock(r, p, compact) {
    var box = el('div', 'plan');
    var head = add(el('div', 'p-head'), el('span', 'p-label', 'After the plan'), resultBadge(p.s));
    if (p.p) {
      var tag = el('span', 'tag t-pred', 'predicted');
      tag.title = 'computed on the facts the plan projects';
      head.appendChild(tag);
    }
    var same = p.s === r.s && p.m === r.m;
    if (same) head.appendChild(el('span', 'p-same', 'unchanged'));
    box.appendChild(head);
    if (compact) return box;
    if (S[p.m] && !same) box.appendChild(el('p', 'r-msg', S[p.m]));
    if (p.w && !(same && r.w && waiverText(r.w) === waiverText(p.w))) box.appendChild(el('p', 'r-waiver', waiverText(p.w)));
    var rows = [];
    (p.pl || []).forEach(function (kv) { rows.push(['planned', kv]); });
    (p.pd || []).forEach(function (kv) { rows.push(['predicted', kv]); });
    if (rows.length) {
      var tb = el('tbody');
      rows.forEach(function (row, i) {
        var kind = el('th', 'n-kind', i === 0 || rows[i - 1][0] !== row[0] ? row[0] : '');
        kind.scope = 'row';
        var path = el('th', null, S[row[1][0]]);
        path.scope = 'row';
        add(tb, add(el('tr'), kind, path, el('td', null, S[row[1][1]])));
      });
      box.appendChild(add(el('table', 'ev notes'), tb));
    }
    return box;
  }
  function isFinding(r) { return !!r && r.s !== 'pass' && r.s !== 'not_applicable'; }

  function detailRow(x) {
    var h = x.h, td = el('td');
    td.colSpan = 8;
    var dl = el('dl', 'd-head');
    function item(label, value) {
      if (value === '' || value === null || value === undefined) return;
      add(dl, add(el('div'), el('dt', null, label), typeof value === 'string' ? el('dd', null, value) : add(el('dd'), value)));
    }
    item('Address', h.a);
    item('Groups', x.groupNames.join(', '));
    item('Labels', (h.l || []).map(function (kv) { return kv[0] + '=' + kv[1]; }).join(' '));
    item('OS', x.os);
    item('Kernel', x.kernel);
    item('Runtimes', (h.rt || []).map(function (s) { return S[s]; }).join(' · '));
    item('Collected in', fmtDur(h.d));
    if (h.gate) {
      var g = add(el('span', 'd-gate'), el('span', 'badge ' + (h.gate === 'go' ? 'g-ok' : 'g-bad'), h.gate));
      if (h.ps) add(g, ' after the plan ', statusBadge(h.ps));
      if (h.gb && h.gb.length) {
        add(g, ' blocked by ');
        h.gb.forEach(function (id) { add(g, el('code', 'chip f-fail', id), ' '); });
      }
      item('Gate', g);
    } else if (D.plan && h.s === 'unreachable') {
      item('Gate', 'not judged (unreachable)');
    }
    td.appendChild(dl);
    if (h.x && h.x.length) {
      var whyBox = add(el('div', 'd-why'), el('div', 'r-sub', 'Why these verdicts do not contradict each other'));
      h.x.forEach(function (i) { whyBox.appendChild(el('p', null, S[i])); });
      td.appendChild(whyBox);
    }
    if (h.s === 'unreachable' || h.e) {
      var err = el('div', 'd-err');
      if (h.s === 'unreachable') add(err, el('strong', null, 'Unreachable: ' + (h.r || '?')), ' — ' + (REASON[h.r] || ''), h.e ? '\n' : '');
      if (h.e) add(err, h.e);
      td.appendChild(err);
    }
    // Findings that decide the host's status (at or above fail-on) first.
    // kmem.risk, the bottom line, leads; then by severity.
    var ordered = h.res.slice().sort(function (a, b) {
      var ca = D.checks[a.c], cb = D.checks[b.c];
      return ((cb.id === 'kmem.risk') - (ca.id === 'kmem.risk')) || ((cb.gate ? 1 : 0) - (ca.gate ? 1 : 0)) ||
        ((SEVERITY[cb.sev] || 0) - (SEVERITY[ca.sev] || 0));
    });
    var projBy = {};
    (h.proj || []).forEach(function (p) { projBy[p.c] = p; });
    var findings = el('div', 'results'), rest = el('div', 'results compact'), nPass = 0, nNA = 0, seen = {};
    ordered.forEach(function (r) {
      var p = h.proj ? projBy[r.c] : null;
      // A result the plan turns into a finding is a finding too.
      if (!isFinding(r) && !isFinding(p)) {
        if (r.s === 'pass') nPass++; else nNA++;
        rest.appendChild(resultCard(r, true, p, seen));
      } else {
        findings.appendChild(resultCard(r, false, p, seen));
      }
    });
    // Checks with a result only after the plan.
    (h.proj || []).forEach(function (p) {
      if (!h.res.some(function (r) { return r.c === p.c; })) findings.appendChild(resultCard({ c: p.c, s: 'none', m: 0 }, false, p, seen));
    });
    if (findings.firstChild) td.appendChild(findings);
    else if (h.s !== 'unreachable') td.appendChild(el('p', 'muted', h.res.length ? 'No findings: every check passed or does not apply.' : 'No check results for this host.'));
    if (rest.firstChild) {
      var parts = [];
      if (nPass) parts.push(nPass + ' passing');
      if (nNA) parts.push(nNA + ' not applicable');
      var det = add(el('details', 'passes'), el('summary', null, parts.join(', ')), rest);
      if (!findings.firstChild || printing) det.open = true;
      td.appendChild(det);
    }
    var tr = add(el('tr', 'detail'), td);
    tr.dataset.for = h.n;
    return tr;
  }

  function copyText(text, btn, pre) {
    function done(ok) {
      btn.textContent = ok ? 'Copied' : 'Press Ctrl+C';
      btn.classList.toggle('done', ok);
      if (!ok) {
        var range = document.createRange();
        range.selectNodeContents(pre);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      setTimeout(function () { btn.textContent = 'Copy'; btn.classList.remove('done'); }, 2000);
    }
    function fallback() {
      var ta = el('textarea', 'sr');
      ta.value = text;
      ta.setAttribute('readonly', '');
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      return ok;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback()); });
    } else {
      done(fallback());
    }
  }

  // Render.
  var tbody = $('host-rows');
  var view = [];
  function render() {
    view = hosts.filter(matches);
    var cmp = SORTS[state.sort] || SORTS.status;
    view.sort(function (a, b) { return state.dir * cmp(a, b); });
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (state.page >= pages) state.page = pages - 1;
    var from = state.page * state.size, to = Math.min(view.length, from + state.size);
    if (printing) { from = 0; to = view.length; } // on paper: every host, expanded
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) {
      var x = view[i];
      frag.appendChild(hostRow(x));
      if (open[x.i] || printing) frag.appendChild(detailRow(x));
    }
    if (!view.length) {
      var td = el('td', 'empty', 'No host matches these filters. ');
      td.colSpan = 8;
      var clear = el('button', 'linkish', 'Clear the filters');
      clear.type = 'button';
      clear.addEventListener('click', reset);
      td.appendChild(clear);
      frag.appendChild(add(el('tr'), td));
    }
    tbody.textContent = '';
    tbody.appendChild(frag);
    var total = hosts.length;
    var range = view.length > to - from ? ' · showing ' + fmtNum(from + 1) + '–' + fmtNum(to) : '';
    $('count').textContent = (view.length === total
      ? fmtNum(total) + (total === 1 ? ' host' : ' hosts')
      : fmtNum(view.length) + ' of ' + fmtNum(total) + (total === 1 ? ' host matches' : ' hosts match')) + range;
    $('p-info').textContent = view.length ? (fmtNum(from + 1) + '–' + fmtNum(to) + ' of ' + fmtNum(view.length)) : '';
    $('p-prev').disabled = state.page === 0;
    $('p-next').disabled = state.page >= pages - 1;
    $('pager').hidden = view.length <= 50 && state.page === 0 && state.size >= 50;
    document.querySelectorAll('#host-table thead th[aria-sort]').forEach(function (th) {
      var b = th.querySelector('button');
      th.setAttribute('aria-sort', b && b.dataset.sort === state.sort ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    [fStatus, fGroup, fCheck, fLabel, fQ].forEach(function (c) { c.classList.toggle('active', !!c.value); });
    fResult.disabled = !state.check;
    resultLabel.hidden = !state.check;
  }

  function readFilters() {
    state.status = fStatus.value;
    state.group = fGroup.value;
    state.check = fCheck.value;
    state.result = fResult.value;
    state.label = fLabel.value.trim();
    state.q = fQ.value.trim();
    state.page = 0;
    render();
  }
  function reset() {
    fStatus.value = fGroup.value = fCheck.value = fLabel.value = fQ.value = '';
    fResult.value = 'fail';
    readFilters();
  }
  var qTimer = null;
  [fStatus, fGroup, fCheck, fResult].forEach(function (c) { c.addEventListener('change', readFilters); });
  [fLabel, fQ].forEach(function (c) {
    c.addEventListener('input', function () { clearTimeout(qTimer); qTimer = setTimeout(readFilters, 120); });
  });
  $('filters').addEventListener('submit', function (e) { e.preventDefault(); readFilters(); });
  $('filters').addEventListener('reset', function (e) { e.preventDefault(); reset(); });

  document.querySelectorAll('#host-table thead button[data-sort]').forEach(function (b) {
    b.addEventListener('click', function () {
      if (state.sort === b.dataset.sort) state.dir = -state.dir;
      else { state.sort = b.dataset.sort; state.dir = 1; }
      render();
    });
  });
  $('p-prev').addEventListener('click', function () { state.page--; render(); });
  $('p-next').addEventListener('click', function () { state.page++; render(); });
  $('p-size').addEventListener('change', function () { state.size = +this.value; state.page = 0; render(); });

  function toggle(tr) {
    var i = +tr.dataset.i;
    if (open[i]) delete open[i]; else open[i] = true;
    render();
    if (open[i] && history.replaceState) history.replaceState(null, '', '#host=' + encodeURIComponent(hosts[i].h.n));
  }
  tbody.addEventListener('click', function (e) {
    if (e.target.closest('.detail')) return;
    var tr = e.target.closest('tr.row');
    if (tr) toggle(tr);
  });
  tbody.addEventListener('keydown', function (e) {
    var tr = e.target.closest && e.target.closest('tr.row');
    if (tr && e.target === tr && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      toggle(tr);
      var again = tbody.querySelector('tr.row[data-i="' + tr.dataset.i + '"]');
      if (again) again.focus();
    }
  });

  function showHosts() { $('hosts').scrollIntoView({ block: 'start' }); }
  document.querySelectorAll('[data-filter-status]').forEach(function (b) {
    b.addEventListener('click', function () {
      reset();
      fStatus.value = b.dataset.filterStatus;
      readFilters();
      showHosts();
    });
  });
  document.querySelectorAll('.matrix button.cell').forEach(function (b) {
    b.addEventListener('click', function () {
      if (b.classList.contains('c-na')) return;
      reset();
      fCheck.value = b.dataset.check;
      fGroup.value = b.dataset.group;
      fResult.value = b.classList.contains('c-warn') ? 'unknown' : b.classList.contains('c-ok') ? 'pass' : 'fail';
      readFilters();
      showHosts();
    });
  });

  // The bottom line's fixes: copy buttons, and "more" buttons that list
  // the hosts of a check in the table.
  document.querySelectorAll('button.copy[data-copy]').forEach(function (b) {
    var pre = $(b.dataset.copy);
    if (pre) b.addEventListener('click', function () { copyText(pre.textContent, b, pre); });
  });
  document.querySelectorAll('[data-filter-check]').forEach(function (b) {
    b.addEventListener('click', function () {
      reset();
      fCheck.value = b.dataset.filterCheck;
      fResult.value = b.dataset.filterResult || 'fail';
      readFilters();
      showHosts();
    });
  });

  // #host=NAME opens that host.
  function fromHash() {
    var m = /^#host=(.+)$/.exec(location.hash);
    if (!m) return;
    var name = decodeURIComponent(m[1]);
    for (var i = 0; i < hosts.length; i++) {
      if (hosts[i].h.n !== name) continue;
      open[i] = true;
      linked = i;
      render();
      var at = view.indexOf(hosts[i]);
      if (at < 0) { reset(); at = view.indexOf(hosts[i]); } // filtered out: show it
      if (at >= 0) { state.page = Math.floor(at / state.size); render(); }
      var row = tbody.querySelector('tr.row[data-i="' + i + '"]');
      if (row) {
        row.scrollIntoView({ block: 'start' });
      }
      return;
    }
  }

  // Printing: every host of the filtered view with its detail open, every
  // folded list unfolded (the print stylesheet hides the controls).
  var folded = [];
  function printMode(on) {
    if (on === printing) return;
    printing = on;
    if (on) {
      folded = [].slice.call(document.querySelectorAll('details:not([open])'));
      folded.forEach(function (d) { d.open = true; });
    } else {
      folded.forEach(function (d) { d.open = false; });
      folded = [];
    }
    render();
  }
  window.addEventListener('beforeprint', function () { printMode(true); });
  window.addEventListener('afterprint', function () { printMode(false); });
  if (window.matchMedia) {
    var mq = window.matchMedia('print');
    var onMq = function (e) { printMode(e.matches); };
    if (mq.addEventListener) mq.addEventListener('change', onMq); else if (mq.addListener) mq.addListener(onMq);
  }

  render();
  fromHash();
  // The table answers from here on: time-to-interactive, measured by the
  // browser tests (performance.getEntriesByName('kaudit-interactive')).
  if (window.performance && performance.mark) performance.mark('kaudit-interactive');
  window.addEventListener('hashchange', fromHash);
})();

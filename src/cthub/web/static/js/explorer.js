// Explorer ("Navigate"): one bar chart per chosen attribute; clicking a bar adds that value to the filter and every
// chart redraws from the published slice for the new filter. The URL (?attrs=..&f=..) keeps the state.
(function () {
  'use strict';
  var CT = window.cthub;
  var chartsEl = document.getElementById('charts');
  var chipsEl = document.getElementById('filter-chips');
  var statusEl = document.getElementById('explorer-status');
  var attrList = document.getElementById('attr-list');
  var meta = null;

  function state() {
    var q = new URLSearchParams(window.location.search);
    var attrs = (q.get('attrs') || '').split(',').filter(function (a) { return meta.columns.indexOf(a) >= 0; });
    if (!attrs.length) attrs = meta.columns.slice(0, 6);
    // only published attributes and values: a shared link with a value the release does not publish is dropped
    var filter = CT.parseKey(q.get('f') || '').filter(function (s) {
      return meta.columns.indexOf(s[0]) >= 0 && meta.variables[s[0]].values.indexOf(s[1]) >= 0;
    });
    return { attrs: attrs, filter: filter.slice(0, meta.max_filters) };
  }

  function go(st, replace) {
    var q = new URLSearchParams(window.location.search);
    q.set('attrs', st.attrs.join(','));
    var key = CT.key(st.filter, meta.columns);
    if (key) q.set('f', key); else q.delete('f');
    var url = window.location.pathname + '?' + q.toString();
    if (replace) window.history.replaceState(null, '', url); else window.history.pushState(null, '', url);
    draw();
  }

  function label(attr, value) {
    var v = meta.variables[attr];
    return (v.value_labels && v.value_labels[value]) || value;
  }

  function drawPicker(st) {
    attrList.textContent = '';
    meta.columns.forEach(function (c) {
      var id = 'attr-' + c;
      var lab = CT.el('label', { for: id, class: 'check' });
      var box = CT.el('input', { type: 'checkbox', id: id, value: c });
      box.checked = st.attrs.indexOf(c) >= 0;
      box.addEventListener('change', function () {
        var s = state();
        s.attrs = meta.columns.filter(function (a) { return a === c ? box.checked : s.attrs.indexOf(a) >= 0; });
        go(s);
      });
      lab.appendChild(box);
      lab.appendChild(document.createTextNode(' ' + meta.variables[c].label));
      attrList.appendChild(lab);
    });
  }

  function drawChips(st, slice) {
    chipsEl.textContent = '';
    if (!st.filter.length) {
      chipsEl.appendChild(CT.el('p', { class: 'muted' }, 'No filter: showing all records. Click a bar to filter.'));
      return;
    }
    chipsEl.appendChild(CT.el('span', { class: 'chips-label' }, 'Filtered by'));
    st.filter.forEach(function (s) {
      var text = meta.variables[s[0]].label + ': ' + label(s[0], s[1]);
      var b = CT.el('button', { type: 'button', class: 'chip', 'aria-label': 'Remove filter ' + text }, text + ' ×');
      b.addEventListener('click', function () {
        var n = state();
        n.filter = n.filter.filter(function (x) { return !(x[0] === s[0] && x[1] === s[1]); });
        go(n);
      });
      chipsEl.appendChild(b);
    });
    var clear = CT.el('button', { type: 'button', class: 'chip clear' }, 'Clear all');
    clear.addEventListener('click', function () { var n = state(); n.filter = []; go(n); });
    chipsEl.appendChild(clear);
  }

  function draw() {
    var st = state();
    drawPicker(st);
    chartsEl.setAttribute('aria-busy', 'true');
    CT.slice(st.filter, meta.columns).then(function (slice) {
      drawChips(st, slice);
      chartsEl.textContent = '';
      if (!slice) {
        statusEl.textContent = 'This combination is not published in this release (too few records).';
        return;
      }
      var depth = st.filter.length;
      var total = slice.total || {};
      var msg = depth ? 'Matching records: ' + (total.protected !== null && total.protected !== undefined
        ? CT.fmt(total.protected) + ' (protected)' : 'not published (too few)')
        : CT.recordsText(meta);
      if (meta.has_synthetic && total.synthetic !== null) msg += (msg ? ' ' : '') + 'Synthetic estimate: ' + CT.fmt(total.synthetic) + '.';
      if (depth >= meta.max_filters) {
        msg += ' This release publishes combinations of up to ' + meta.length + ' attributes, so the filter can hold ' +
          meta.max_filters + ' selections: remove one to choose another.';
      }
      statusEl.textContent = msg;
      chartsEl.setAttribute('data-filter', slice.filter);
      st.attrs.forEach(function (attr) {
        if (!slice.attributes[attr]) return;  // in the filter
        var v = meta.variables[attr];
        var rows = slice.attributes[attr].map(function (e) {
          return { value: e[0], label: label(attr, e[0]), protected: e[1], synthetic: e[2] };
        });
        CT.barChart(chartsEl, {
          id: attr, title: v.label, rows: rows, missing: CT.missingText(meta), tooDeep: slice.too_deep,
          synthetic: meta.has_synthetic, temporal: v.type === 'year', ruleText: meta.rule && meta.rule.text,
          source: CT.sourceText(meta), about: CT.about(meta, slice.filter),
          filename: meta.table + '_' + attr + (slice.filter ? '_' + CT.slug(slice.filter) : '') + '.csv',
          clickable: function (r) { return depth < meta.max_filters && r.protected !== null; },
          onSelect: function (r) {
            var n = state();
            n.filter = n.filter.filter(function (x) { return x[0] !== attr; }).concat([[attr, r.value]]);
            go(n);
          }
        });
      });
      chartsEl.setAttribute('aria-busy', 'false');
    }).catch(function (err) { CT.showError(statusEl, err); });
  }

  window.addEventListener('popstate', draw);
  CT.fetchJSON(CT.api + 'meta.json').then(function (m) {
    meta = m;
    go(state(), true);
  }).catch(function (err) { CT.showError(statusEl, err); });
})();

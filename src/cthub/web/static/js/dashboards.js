// Dashboards: fixed charts (gender, age, exploitation, ...) with a filter bar. A filter is a set of groups (one per
// attribute, each a set of values: a year range, a region's countries); charts sum the published counts of every
// concrete combination, so suppressed cells make a sum a lower bound ("at least"). Each chart ignores its own
// attribute's filter (cross-filtering) and marks the selected values instead.
(function () {
  'use strict';
  var CT = window.cthub;
  var bar = document.getElementById('filter-bar');
  var chartsEl = document.getElementById('charts');
  var statusEl = document.getElementById('filter-status');
  var meta = null, dash = null;
  var MAX_COMBOS = 80;

  function label(attr, value) {
    var v = meta.variables[attr];
    return (v && v.value_labels && v.value_labels[value]) || value;
  }

  function select(id, text, options) {
    var wrap = CT.el('div', { class: 'field' });
    wrap.appendChild(CT.el('label', { for: id }, text));
    var s = CT.el('select', { id: id, name: id });
    options.forEach(function (o) { var op = CT.el('option', { value: o[0] }, o[1]); s.appendChild(op); });
    s.addEventListener('change', changed);
    wrap.appendChild(s);
    bar.appendChild(wrap);
    return s;
  }

  var controls = {};
  function buildBar() {
    bar.textContent = '';
    dash.filters.forEach(function (f) {
      var values = meta.variables[f.attribute].values;
      if (f.range) {
        var opts = values.map(function (v) { return [v, label(f.attribute, v)]; });
        controls.from = select('f-from', f.label + ' from', opts);
        controls.to = select('f-to', 'to', opts);
        controls.from.value = values[0]; controls.to.value = values[values.length - 1];
        controls.yearAttr = f.attribute;
      } else if (f.regions) {
        var regions = {};
        Object.keys(f.regions).forEach(function (c) { regions[f.regions[c]] = true; });
        controls.region = select('f-region', f.label, [['', 'All']].concat(Object.keys(regions).sort().map(function (r) { return [r, r]; })));
        controls.regionFilter = f;
      } else {
        controls[f.id] = select('f-' + f.id, f.label, [['', 'All']].concat(values.map(function (v) { return [v, label(f.attribute, v)]; })));
        controls[f.id].setAttribute('data-attribute', f.attribute);
      }
    });
    var reset = CT.el('button', { type: 'reset', class: 'small' }, 'Reset filters');
    bar.appendChild(reset);
    bar.addEventListener('reset', function () { window.setTimeout(function () {
      if (controls.from) { var vs = meta.variables[controls.yearAttr].values; controls.from.value = vs[0]; controls.to.value = vs[vs.length - 1]; }
      changed();
    }, 0); });
  }

  // The filters live in the URL (?gender=Female&from=2015&to=2020&region=Asia), so a view can be shared, reloaded
  // and walked with back/forward. Only values the controls offer are taken from a link.
  var PARAMS = ['from', 'to', 'region'];
  function controlFor(name) { return controls[name] && controls[name].tagName ? controls[name] : null; }
  function paramNames() {
    return PARAMS.concat(dash.filters.filter(function (f) { return !f.range && !f.regions; }).map(function (f) { return f.id; }));
  }
  function readURL() {
    var q = new URLSearchParams(window.location.search);
    paramNames().forEach(function (name) {
      var c = controlFor(name);
      if (!c) return;
      var v = q.get(name);
      var ok = v !== null && Array.prototype.some.call(c.options, function (o) { return o.value === v; });
      if (ok) c.value = v;
      else if (name === 'from') c.value = c.options[0].value;
      else if (name === 'to') c.value = c.options[c.options.length - 1].value;
      else c.value = '';
    });
  }
  function writeURL(replace) {
    var q = new URLSearchParams(window.location.search);
    paramNames().forEach(function (name) {
      var c = controlFor(name);
      if (!c) return;
      var dflt = name === 'from' ? c.options[0].value : name === 'to' ? c.options[c.options.length - 1].value : '';
      if (c.value && c.value !== dflt) q.set(name, c.value); else q.delete(name);
    });
    var text = q.toString();
    var url = window.location.pathname + (text ? '?' + text : '');
    if (replace) window.history.replaceState(null, '', url); else window.history.pushState(null, '', url);
  }
  function changed() { writeURL(false); update(); }

  // "gender Female, year 2015–2020" for a CSV's filter column, "gender-Female_from-2015" for its file name
  function filterWords(sep, join) {
    var out = [];
    paramNames().forEach(function (name) {
      var c = controlFor(name);
      if (!c) return;
      var dflt = name === 'from' ? c.options[0].value : name === 'to' ? c.options[c.options.length - 1].value : '';
      if (c.value && c.value !== dflt) out.push(name + sep + c.value);
    });
    return out.join(join);
  }

  // groups: [{attr, values[]}]
  function groups() {
    var out = [];
    if (controls.from) {
      var vs = meta.variables[controls.yearAttr].values;
      var a = vs.indexOf(controls.from.value), b = vs.indexOf(controls.to.value);
      if (a > b) { var t = a; a = b; b = t; }
      if (a > 0 || b < vs.length - 1) out.push({ attr: controls.yearAttr, values: vs.slice(a, b + 1) });
    }
    dash.filters.forEach(function (f) {
      var c = controls[f.id];
      if (c && !f.range && !f.regions && c.value) out.push({ attr: f.attribute, values: [c.value] });
    });
    if (controls.region && controls.region.value) {
      var f = controls.regionFilter;
      out.push({ attr: f.attribute, values: Object.keys(f.regions).filter(function (c) { return f.regions[c] === controls.region.value; }) });
    }
    return out;
  }

  function combos(gs) {
    var out = [[]];
    gs.forEach(function (g) {
      var next = [];
      out.forEach(function (c) { g.values.forEach(function (v) { next.push(c.concat([[g.attr, v]])); }); });
      out = next;
    });
    return out;
  }

  // Sum slices over every concrete combination of the groups: {attr: {value: {protected, parts, missingParts}},
  // total, totalParts, totalMissing}. A suppressed cell is left out of a sum and counted in missingParts, so a sum
  // is labelled as what it is (cthub.statusText / sumText), never as a published count or a bound.
  function summed(gs) {
    var cs = combos(gs);
    if (cs.length > MAX_COMBOS) return Promise.resolve({ tooBroad: cs.length });
    return Promise.all(cs.map(function (c) { return CT.slice(c, meta.columns); })).then(function (slices) {
      var acc = { attributes: {}, total: null, totalParts: slices.length, totalMissing: 0, tooDeep: false };
      slices.forEach(function (s) {
        if (!s) { acc.totalMissing += 1; return; }
        if (s.too_deep) acc.tooDeep = true;
        if (s.total.protected === null) acc.totalMissing += 1; else acc.total = (acc.total || 0) + s.total.protected;
        Object.keys(s.attributes).forEach(function (attr) {
          var m = acc.attributes[attr] = acc.attributes[attr] || {};
          s.attributes[attr].forEach(function (e) {
            var x = m[e[0]] = m[e[0]] || { protected: null, published: 0, synthetic: 0 };
            if (e[1] !== null) { x.protected = (x.protected || 0) + e[1]; x.published += 1; }
            x.synthetic += e[2] || 0;
          });
        });
      });
      // every slice that does not publish a value's cell (absent or null) suppressed it there
      Object.keys(acc.attributes).forEach(function (attr) {
        Object.keys(acc.attributes[attr]).forEach(function (v) {
          var x = acc.attributes[attr][v];
          x.parts = slices.length;
          x.missingParts = slices.length - x.published;
        });
      });
      return acc;
    });
  }

  function chartRows(chart, data, selectedValues) {
    if (chart.kind === 'flags') {
      return chart.columns.map(function (c) {
        var x = (data.attributes[c] || {})['1'] || { protected: null, synthetic: 0, parts: 1, missingParts: 1 };
        return { value: c, label: chart.labels[c], protected: x.protected, parts: x.parts, missingParts: x.missingParts,
                 synthetic: x.synthetic };
      });
    }
    var m = data.attributes[chart.attribute] || {};
    return meta.variables[chart.attribute].values.filter(function (v) { return m[v]; }).map(function (v) {
      return { value: v, label: label(chart.attribute, v), protected: m[v].protected, parts: m[v].parts,
               missingParts: m[v].missingParts, synthetic: m[v].synthetic, selected: selectedValues && selectedValues.indexOf(v) >= 0 };
    });
  }

  var generation = 0;  // an update whose data arrives after a newer one started draws nothing
  function update() {
    var mine = ++generation;
    var gs = groups();
    chartsEl.setAttribute('aria-busy', 'true');
    if (gs.length > meta.max_filters) {
      chartsEl.textContent = '';
      statusEl.textContent = 'Too many filters: this release publishes combinations of up to ' + meta.length +
        ' attributes, so a chart can be filtered by at most ' + meta.max_filters + ' things at once. Remove a filter.';
      statusEl.className = 'status warn';
      return;
    }
    statusEl.className = 'status';
    var charts = dash.charts;
    // one summed data set per distinct "filter minus own attribute"
    var jobs = charts.map(function (ch) {
      var own = ch.kind === 'attribute' ? ch.attribute : null;
      var gsx = gs.filter(function (g) { return g.attr !== own; });
      var sel = gs.filter(function (g) { return g.attr === own; })[0];
      return summed(gsx).then(function (d) { return { chart: ch, data: d, selected: sel ? sel.values : null, depth: gsx.length }; });
    });
    Promise.all([summed(gs)].concat(jobs)).then(function (res) {
      if (mine !== generation) return;
      var all = res[0];
      chartsEl.textContent = '';
      if (all.tooBroad) {
        statusEl.textContent = 'This filter expands to ' + all.tooBroad + ' combinations; narrow the year range or region.';
        statusEl.className = 'status warn';
        return;
      }
      var total = all.total;
      statusEl.textContent = gs.length ? CT.sumText(total, all.totalParts, all.totalMissing, CT.missingText(meta))
                                       : CT.recordsText(meta);
      res.slice(1).forEach(function (r) {
        if (r.data.tooBroad) return;
        CT.barChart(chartsEl, {
          id: r.chart.id, title: r.chart.title, rows: chartRows(r.chart, r.data, r.selected),
          missing: CT.missingText(meta), tooDeep: r.data.tooDeep, synthetic: false, temporal: !!r.chart.temporal,
          note: r.chart.kind === 'flags' ? 'Records where each item is recorded as yes; one record can have several.' : null,
          source: CT.sourceText(meta), about: CT.about(meta, filterWords(' ', ', ')),
          filename: meta.table + '_' + r.chart.id + (filterWords('-', '_') ? '_' + filterWords('-', '_').replace(/[^A-Za-z0-9_.-]/g, '-') : '') + '.csv'
        });
      });
      chartsEl.setAttribute('aria-busy', 'false');
    }).catch(function (err) { CT.showError(statusEl, err); });
  }

  CT.fetchJSON(CT.api + 'meta.json').then(function (m) {
    meta = m; dash = m.dashboards;
    buildBar();
    readURL();
    writeURL(true);
    window.addEventListener('popstate', function () { readURL(); update(); });
    if (dash.unavailable.length) {
      document.getElementById('unavailable').textContent = 'Not published in this release: ' + dash.unavailable.join(', ') + '.';
    }
    update();
  }).catch(function (err) { CT.showError(statusEl, err); });
})();

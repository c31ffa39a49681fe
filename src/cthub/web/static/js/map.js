// Map: choropleth of published counts by citizenship or country of exploitation, grey for countries under the
// threshold; region zoom (the projection fits the shown countries); and the top origin -> destination corridors.
(function () {
  'use strict';
  var CT = window.cthub;
  var mapEl = document.getElementById('map');
  var statusEl = document.getElementById('map-status');
  var form = document.getElementById('map-controls');
  var geoUrl = document.body.getAttribute('data-geo');
  var meta, world, all, flows;

  function countryLabel(attr, code) {
    var v = meta.variables[attr];
    return (v && v.value_labels && v.value_labels[code]) || code;
  }

  function drawMap() {
    var which = form.querySelector('input[name=which]:checked').value;
    var region = document.getElementById('region-select').value;
    var attr = meta.countries[which];
    if (!attr) { statusEl.textContent = 'This table has no country attribute to map.'; return; }
    var counts = {};
    (all.attributes[attr] || []).forEach(function (e) { if (e[1] !== null) counts[e[0]] = e[1]; });
    var below = meta.threshold ? 'fewer than ' + meta.threshold + ' or none' : CT.missingText(meta) + ' or none';
    var features = window.topojson.feature(world, world.objects.countries).features.filter(function (f) {
      return f.id !== 'AQ' && (!region || f.properties.region === region);
    }).map(function (f) {
      var c = counts[f.id];
      return { type: 'Feature', id: f.id, geometry: f.geometry, properties: {
        name: f.properties.name, iso2: f.id, count: c === undefined ? null : c,
        display: c === undefined ? below : CT.fmt(c) } };
    });
    var published = features.filter(function (f) { return f.properties.count !== null; });
    mapEl.setAttribute('data-published', String(published.length));
    mapEl.setAttribute('data-hidden', String(features.length - published.length));
    var tooltip = [{ field: 'properties.name', title: 'Country' }, { field: 'properties.display', title: 'Records' }];
    var spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container', height: 420, projection: { type: 'equalEarth' },
      data: { values: features },
      layer: [
        { mark: { type: 'geoshape', fill: CT.colors.muted, stroke: '#ffffff', strokeWidth: 0.5 },
          encoding: { tooltip: tooltip } },
        { transform: [{ filter: { field: 'properties.count', valid: true } }],
          mark: { type: 'geoshape', stroke: '#ffffff', strokeWidth: 0.5 },
          encoding: { color: { field: 'properties.count', type: 'quantitative', title: 'Records',
                               scale: { type: 'log', scheme: 'blues' } }, tooltip: tooltip } }
      ]
    };
    document.getElementById('map-title').textContent = 'Records by ' + meta.variables[attr].label.toLowerCase() +
      (region ? ' (' + region + ')' : '');
    mapEl.setAttribute('aria-busy', 'true');
    CT.embed(mapEl, spec).then(function (res) {
      // a click on a country with a published count opens the explorer filtered by it
      res.view.addEventListener('click', function (event, item) {
        var d = item && item.datum;
        var props = d && (d.properties || (d.datum && d.datum.properties));
        if (props && props.count !== null && props.count !== undefined) window.location.href = explorerURL(attr, props.iso2);
      });
      mapEl.parentNode.querySelectorAll('.image-download').forEach(function (b) { b.remove(); });
      CT.imageLinks(document.getElementById('map-table'), res.view, meta.table + '_' + attr + '_map' + (region ? '_' + region : ''));
      mapEl.setAttribute('aria-busy', 'false');
      mapEl.setAttribute('data-ready', 'true');
    }).catch(function (err) { CT.showError(statusEl, err); });
    statusEl.textContent = published.length + ' countries with published counts; ' + (features.length - published.length) +
      ' shown in grey (' + below + ').';
    // data table
    var holder = document.getElementById('map-table');
    holder.textContent = '';
    var rows = published.slice().sort(function (a, b) { return b.properties.count - a.properties.count; });
    var details = CT.el('details', { class: 'data-table' });
    details.appendChild(CT.el('summary', {}, 'Data table'));
    var wrap = CT.el('div', { class: 'table-wrap' });
    var t = CT.el('table', { class: 'data' });
    t.appendChild(CT.el('caption', {}, 'Records by ' + meta.variables[attr].label.toLowerCase()));
    var h = CT.el('tr');
    h.appendChild(CT.el('th', { scope: 'col' }, 'Country')); h.appendChild(CT.el('th', { scope: 'col', class: 'num' }, 'Protected count'));
    var thead = CT.el('thead'); thead.appendChild(h); t.appendChild(thead);
    var tb = CT.el('tbody');
    rows.forEach(function (f) {
      var tr = CT.el('tr');
      var th = CT.el('th', { scope: 'row' });
      th.appendChild(CT.el('a', { href: explorerURL(attr, f.id) }, f.properties.name));
      tr.appendChild(th);
      tr.appendChild(CT.el('td', { class: 'num' }, CT.fmt(f.properties.count)));
      tb.appendChild(tr);
    });
    var tr = CT.el('tr', { class: 'below' });
    tr.appendChild(CT.el('th', { scope: 'row' }, (features.length - published.length) + ' other countries'));
    tr.appendChild(CT.el('td', { class: 'num' }, below));
    tb.appendChild(tr);
    t.appendChild(tb); wrap.appendChild(t); details.appendChild(wrap); holder.appendChild(details);
    holder.appendChild(CT.csvLink(meta.table + '_' + attr + '_by_country' + (region ? '_' + region : '') + '.csv',
      ['iso2', 'country', 'protected_count'],
      rows.map(function (f) { return [f.id, f.properties.name, f.properties.count]; }),
      CT.about(meta, region ? 'region ' + region : '')));
    holder.appendChild(CT.el('p', { class: 'source' }, CT.sourceText(meta)));
  }

  function explorerURL(attr, code) {
    return CT.root + 'explorer/?table=' + encodeURIComponent(meta.table) + '&f=' + encodeURIComponent(attr + ':' + code);
  }

  // ?which=destination&region=Asia keeps the view in the URL (shared links, reload, back/forward)
  function readURL() {
    var q = new URLSearchParams(window.location.search);
    var which = form.querySelector('input[name=which][value="' + (q.get('which') === 'destination' ? 'destination' : 'origin') + '"]');
    if (which && !which.disabled) which.checked = true;
    var region = document.getElementById('region-select');
    var want = q.get('region') || '';
    region.value = Array.prototype.some.call(region.options, function (o) { return o.value === want; }) ? want : '';
  }
  function writeURL(replace) {
    var q = new URLSearchParams(window.location.search);
    var which = form.querySelector('input[name=which]:checked').value;
    var region = document.getElementById('region-select').value;
    if (which === 'destination') q.set('which', which); else q.delete('which');
    if (region) q.set('region', region); else q.delete('region');
    var text = q.toString();
    var url = window.location.pathname + (text ? '?' + text : '');
    if (replace) window.history.replaceState(null, '', url); else window.history.pushState(null, '', url);
  }

  function drawFlows() {
    var el = document.getElementById('flows');
    var holder = document.getElementById('flows-table');
    if (!flows || !flows.flows.length) { el.textContent = 'No corridors are published in this release.'; return; }
    var rows = flows.flows.map(function (f) {
      return { origin: countryLabel(flows.origin_attribute, f.origin), destination: countryLabel(flows.destination_attribute, f.destination),
               count: f.count, origin_code: f.origin, destination_code: f.destination };
    });
    var spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container', data: { values: rows },
      mark: { type: 'rect' },
      encoding: {
        y: { field: 'origin', type: 'nominal', title: 'Citizenship', sort: '-color' },
        x: { field: 'destination', type: 'nominal', title: 'Country of exploitation',
             axis: { labelAngle: el.clientWidth < 700 ? -90 : -45, labelOverlap: 'greedy' } },
        color: { field: 'count', type: 'quantitative', title: 'Records', scale: { scheme: 'oranges' } },
        tooltip: [{ field: 'origin', title: 'From' }, { field: 'destination', title: 'To' }, { field: 'count', title: 'Records', format: ',' }]
      }
    };
    CT.embed(el, spec).catch(function (err) { el.textContent = 'The chart could not be drawn: ' + err.message; });
    holder.textContent = '';
    var details = CT.el('details', { class: 'data-table' });
    details.appendChild(CT.el('summary', {}, 'Data table'));
    var wrap = CT.el('div', { class: 'table-wrap' });
    var t = CT.el('table', { class: 'data' });
    t.appendChild(CT.el('caption', {}, 'Top corridors'));
    var h = CT.el('tr');
    ['Citizenship', 'Country of exploitation', 'Protected count'].forEach(function (c, i) { h.appendChild(CT.el('th', { scope: 'col', class: i === 2 ? 'num' : '' }, c)); });
    var thead = CT.el('thead'); thead.appendChild(h); t.appendChild(thead);
    var tb = CT.el('tbody');
    rows.forEach(function (r) {
      var tr = CT.el('tr');
      tr.appendChild(CT.el('th', { scope: 'row' }, r.origin)); tr.appendChild(CT.el('td', {}, r.destination));
      tr.appendChild(CT.el('td', { class: 'num' }, CT.fmt(r.count))); tb.appendChild(tr);
    });
    t.appendChild(tb); wrap.appendChild(t); details.appendChild(wrap); holder.appendChild(details);
    holder.appendChild(CT.csvLink(meta.table + '_corridors.csv', ['origin', 'destination', 'protected_count'],
      rows.map(function (r) { return [r.origin_code, r.destination_code, r.count]; }), CT.about(meta, '')));
  }

  CT.fetchJSON(CT.api + 'meta.json').then(function (m) {
    meta = m;
    if (!meta.countries.origin && !meta.countries.destination) {
      // a table that records regions, not countries (the victim-perpetrator table): say so instead of an empty map
      form.hidden = true;
      document.querySelectorAll('.map-card').forEach(function (c) { c.hidden = true; });
      statusEl.textContent = 'This table has no country attribute, so it cannot be drawn on a map. ' +
        'Its attributes are charted on the dashboards and in the explorer.';
      mapEl.setAttribute('data-ready', 'none');
      return null;
    }
    var pair = meta.countries.origin && meta.countries.destination;
    return Promise.all([CT.fetchJSON(geoUrl), CT.fetchJSON(CT.api + 'slices/_all.json'),
                        pair ? CT.fetchJSON(CT.api + 'flows.json') : Promise.resolve(null)]).then(function (r) {
      world = r[0]; all = r[1]; flows = r[2];
      if (!meta.countries.destination) form.querySelector('input[value=destination]').disabled = true;
      if (!meta.countries.origin) {
        form.querySelector('input[value=origin]').disabled = true;
        form.querySelector('input[value=destination]').checked = true;
      }
      readURL();
      form.addEventListener('change', function () { writeURL(false); drawMap(); });
      form.addEventListener('submit', function (e) { e.preventDefault(); });
      window.addEventListener('popstate', function () { readURL(); drawMap(); });
      drawMap();
      drawFlows();
    });
  }).catch(function (err) { CT.showError(statusEl, err); });
})();

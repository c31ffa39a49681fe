// Map: choropleth of published counts by citizenship or country of exploitation, with a key that tells a
// suppressed count (grey) from a published zero (white); region zoom fitted to the region's main landmass; the
// countries too small for the 1:110m atlas listed below it; and the top origin -> destination corridors drawn as
// flows (line width by protected count) beside the heatmap. Every number is a published cell.
(function () {
  'use strict';
  var CT = window.cthub;
  var mapEl = document.getElementById('map');
  var statusEl = document.getElementById('map-status');
  var form = document.getElementById('map-controls');
  var geoUrl = document.body.getAttribute('data-geo');
  var meta, world, all, flows, shapes, centroids;
  var ZERO = '#ffffff';
  // [west, south, east, north] of each region's main landmass: the whole of Russia (to 180 degrees E) or French
  // Guiana would otherwise shrink Europe to a strip, Alaska and Greenland would shrink America
  var FIT = { Africa: [-18, -35, 52, 38], America: [-128, -56, -34, 58], Asia: [26, -11, 146, 56],
              Europe: [-25, 34, 45, 71], Oceania: [112, -48, 180, 0] };

  function fitShape(region) {
    var b = FIT[region];
    if (!b) return null;
    var pts = [];  // corners and edge midpoints (the projection bends parallels)
    [b[0], (b[0] + b[2]) / 2, b[2]].forEach(function (x) { [b[1], (b[1] + b[3]) / 2, b[3]].forEach(function (y) { pts.push([x, y]); }); });
    return { type: 'Feature', properties: {}, geometry: { type: 'MultiPoint', coordinates: pts } };
  }

  // The centre of a country's largest polygon (its main landmass), in degrees: where its flows start and end.
  function centroid(geometry) {
    var polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
    var best = null, bestArea = 0;
    polys.forEach(function (poly) {
      // unwrap longitudes, so a ring that crosses the antimeridian (Russia, Fiji) does not jump by 360 degrees
      var ring = [], shift = 0, a = 0, cx = 0, cy = 0;
      poly[0].forEach(function (pt, k) {
        if (k) { var d = pt[0] + shift - ring[k - 1][0]; if (d > 180) shift -= 360; else if (d < -180) shift += 360; }
        ring.push([pt[0] + shift, pt[1]]);
      });
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        a += f; cx += (ring[j][0] + ring[i][0]) * f; cy += (ring[j][1] + ring[i][1]) * f;
      }
      if (Math.abs(a) > bestArea) {
        var lon = cx / (3 * a);
        bestArea = Math.abs(a); best = [((lon + 540) % 360) - 180, cy / (3 * a)];
      }
    });
    return best;
  }

  // On a phone the legend goes under the map and the map keeps a world's proportions, so it is not a thumbnail.
  function narrow(el) { return (el.clientWidth || window.innerWidth) < 700; }
  function mapHeight(el, tall) { return narrow(el) ? Math.max(200, Math.round((el.clientWidth || 360) * 0.6)) : tall; }

  function countryPage(code) { return CT.root + 'countries/' + encodeURIComponent(code) + '/'; }

  // A country has a page when one of its one-way counts is published (what /countries/ lists).
  function hasPage(code) {
    return ['origin', 'destination'].some(function (w) {
      var a = meta.countries[w];
      return a && (all.attributes[a] || []).some(function (e) { return e[0] === code && e[1] !== null; });
    });
  }
  function countryCell(tag, attrs, code, label) {
    var cell = CT.el(tag, attrs);
    if (hasPage(code)) cell.appendChild(CT.el('a', { href: countryPage(code) }, label)); else cell.textContent = label;
    return cell;
  }

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
    var drawn = {};
    var features = shapes.filter(function (f) {
      drawn[f.id] = true;
      return !region || f.properties.region === region;
    }).map(function (f) {
      var c = counts[f.id];
      var state = c === undefined ? 'suppressed' : c === 0 ? 'zero' : 'published';
      return { type: 'Feature', id: f.id, geometry: f.geometry, properties: {
        name: f.properties.name, iso2: f.id, count: c === undefined ? null : c, state: state,
        display: c === undefined ? below : CT.fmt(c) } };
    });
    var published = features.filter(function (f) { return f.properties.count !== null; });
    var zeros = published.filter(function (f) { return f.properties.count === 0; });
    mapEl.setAttribute('data-published', String(published.length));
    mapEl.setAttribute('data-hidden', String(features.length - published.length));
    mapEl.setAttribute('data-zero', String(zeros.length));
    mapEl.setAttribute('data-region', region);
    var tooltip = [{ field: 'properties.name', title: 'Country' }, { field: 'properties.display', title: 'Records' }];
    var outline = { type: 'geoshape', stroke: '#ffffff', strokeWidth: 0.5, clip: true };
    var spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container', height: mapHeight(mapEl, 420), projection: { type: 'equalEarth' },
      data: { values: features },
      layer: [
        { transform: [{ filter: "datum.properties.state === 'suppressed'" }],
          mark: Object.assign({}, outline, { fill: CT.colors.muted }), encoding: { tooltip: tooltip } },
        { transform: [{ filter: "datum.properties.state === 'zero'" }],
          mark: Object.assign({}, outline, { fill: ZERO, stroke: '#767676' }), encoding: { tooltip: tooltip } },
        { transform: [{ filter: "datum.properties.state === 'published'" }],
          mark: outline,
          encoding: { color: { field: 'properties.count', type: 'quantitative', title: 'Protected count',
                               scale: { type: 'log', scheme: 'blues' },
                               legend: narrow(mapEl) ? { orient: 'bottom', direction: 'horizontal' } : {} },
                      tooltip: tooltip } }
      ]
    };
    var fit = fitShape(region);
    if (fit) spec.projection.fit = fit;
    document.getElementById('map-title').textContent = 'Records by ' + meta.variables[attr].label.toLowerCase() +
      (region ? ' (' + region + ')' : '');
    mapEl.setAttribute('aria-busy', 'true');
    mapEl.setAttribute('data-ready', 'false');
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
    drawKey(below);
    drawSmall(attr, region, counts, drawn);
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
    h.appendChild(CT.el('th', { scope: 'col' }, 'Country page'));
    var thead = CT.el('thead'); thead.appendChild(h); t.appendChild(thead);
    var tb = CT.el('tbody');
    rows.forEach(function (f) {
      var tr = CT.el('tr');
      var th = CT.el('th', { scope: 'row' });
      th.appendChild(CT.el('a', { href: explorerURL(attr, f.id) }, f.properties.name));
      tr.appendChild(th);
      tr.appendChild(CT.el('td', { class: 'num' }, CT.fmt(f.properties.count)));
      var page = CT.el('td');
      page.appendChild(CT.el('a', { href: countryPage(f.id), 'aria-label': f.properties.name + ': country page' }, 'Country page'));
      tr.appendChild(page);
      tb.appendChild(tr);
    });
    var tr = CT.el('tr', { class: 'below' });
    tr.appendChild(CT.el('th', { scope: 'row' }, (features.length - published.length) + ' other countries'));
    tr.appendChild(CT.el('td', { class: 'num' }, below));
    tr.appendChild(CT.el('td'));
    tb.appendChild(tr);
    t.appendChild(tb); wrap.appendChild(t); details.appendChild(wrap); holder.appendChild(details);
    holder.appendChild(CT.csvLink(meta.table + '_' + attr + '_by_country' + (region ? '_' + region : '') + '.csv',
      ['iso2', 'country', 'protected_count'],
      rows.map(function (f) { return [f.id, f.properties.name, f.properties.count]; }),
      CT.about(meta, region ? 'region ' + region : '')));
    holder.appendChild(CT.el('p', { class: 'source' }, CT.sourceText(meta)));
  }

  // The map's key: what each fill means. A suppressed count and a published zero are different facts.
  function drawKey(below) {
    var key = document.getElementById('map-key');
    key.textContent = '';
    [['key-published', 'Published count (darker: more records; the colour scale gives the values)'],
     ['key-zero', 'Published as 0'],
     ['key-suppressed', 'Suppressed: ' + below.replace(/ or none$/, '') + ', possibly none (the release does not tell which)']
    ].forEach(function (k) {
      var li = CT.el('li', { 'data-key': k[0].replace('key-', '') });
      li.appendChild(CT.el('span', { class: 'key ' + k[0], 'aria-hidden': 'true' }));
      li.appendChild(document.createTextNode(' ' + k[1]));
      key.appendChild(li);
    });
  }

  // Countries with a published count that the 1:110m atlas has no shape for (Singapore, Malta, Bahrain, ...).
  function drawSmall(attr, region, counts, drawn) {
    var box = document.getElementById('map-small');
    box.textContent = '';
    var regions = meta.regions || {};
    var codes = Object.keys(counts).filter(function (c) {
      return !drawn[c] && c !== 'AQ' && (!region || regions[c] === region);
    }).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
    box.hidden = !codes.length;
    if (!codes.length) return;
    box.appendChild(CT.el('h3', { id: 'small-title' }, 'Not drawn at this scale (' + codes.length + ')'));
    box.appendChild(CT.el('p', { class: 'note' }, 'These countries and territories are too small for the world ' +
      'atlas this map uses; their published counts are listed here.'));
    var ul = CT.el('ul', { class: 'small-states', 'aria-labelledby': 'small-title' });
    codes.forEach(function (c) {
      var li = CT.el('li', { 'data-code': c });
      li.appendChild(CT.el('a', { href: countryPage(c) }, countryLabel(attr, c)));
      li.appendChild(document.createTextNode(': ' + CT.fmt(counts[c])));
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  // The top corridors as lines from the citizenship's main landmass to the country of exploitation's, wider for
  // larger protected counts; a corridor within one country is a ring; one with an undrawn end is in the table only.
  function drawFlowMap(rows) {
    var el = document.getElementById('flow-map');
    var n = Number(document.getElementById('flows-top').value) || 10;
    var top = rows.slice(0, n);
    var lines = [], rings = [], offMap = 0;
    top.forEach(function (r) {
      var a = centroids[r.origin_code], b = centroids[r.destination_code];
      if (!a || !b) { offMap += 1; return; }
      var d = { from: r.origin, to: r.destination, count: r.count, lon: a[0], lat: a[1], lon2: b[0], lat2: b[1],
                desc: r.origin + ' → ' + r.destination + '; Protected count: ' + CT.fmt(r.count) };
      if (r.origin_code === r.destination_code) rings.push(d); else lines.push(d);
    });
    el.setAttribute('data-lines', String(lines.length));
    el.setAttribute('data-rings', String(rings.length));
    el.setAttribute('data-off-map', String(offMap));
    var tooltip = [{ field: 'from', title: 'Citizenship' }, { field: 'to', title: 'Country of exploitation' },
                   { field: 'count', title: 'Protected count', format: ',' }];
    var width = { field: 'count', type: 'quantitative', title: 'Protected count (line width)',
                  scale: { range: [1, 9] }, legend: { orient: 'bottom', format: ',.0f' } };
    var spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container', height: mapHeight(el, 380), projection: { type: 'equalEarth' },
      layer: [
        { data: { values: shapes }, mark: { type: 'geoshape', fill: '#e6e9ee', stroke: '#ffffff', strokeWidth: 0.5 } },
        { data: { values: lines }, mark: { type: 'rule', color: CT.colors.synthetic, opacity: 0.75, strokeCap: 'round' },
          encoding: { longitude: { field: 'lon', type: 'quantitative' }, latitude: { field: 'lat', type: 'quantitative' },
                      longitude2: { field: 'lon2' }, latitude2: { field: 'lat2' }, strokeWidth: width, tooltip: tooltip,
                      description: { field: 'desc' } } },
        { data: { values: lines }, mark: { type: 'circle', color: '#7a2f00', size: 30, opacity: 0.9 },
          encoding: { longitude: { field: 'lon2', type: 'quantitative' }, latitude: { field: 'lat2', type: 'quantitative' },
                      tooltip: tooltip } },
        { data: { values: rings }, mark: { type: 'point', shape: 'circle', filled: false, color: CT.colors.synthetic, size: 160 },
          encoding: { longitude: { field: 'lon', type: 'quantitative' }, latitude: { field: 'lat', type: 'quantitative' },
                      strokeWidth: width, tooltip: tooltip } }
      ]
    };
    el.setAttribute('aria-busy', 'true');
    el.setAttribute('data-ready', 'false');
    CT.embed(el, spec).then(function (res) {
      var row = document.getElementById('flows-downloads');
      row.querySelectorAll('.image-download').forEach(function (b) { b.remove(); });
      CT.imageLinks(row, res.view, meta.table + '_corridors_top' + n);
      el.setAttribute('aria-busy', 'false');
      el.setAttribute('data-ready', 'true');
    }).catch(function (err) { el.textContent = 'The flows could not be drawn: ' + err.message; });
    document.getElementById('flows-note').textContent = 'The ' + top.length + ' largest published corridors: a line ' +
      'runs from the country of citizenship to the country of exploitation (the dot), wider for a larger protected ' +
      'count; a ring marks a corridor within one country.' +
      (offMap ? ' ' + offMap + ' with a country too small for this atlas are in the table only.' : '') +
      ' Each is one published count.';
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
    if (!flows || !flows.flows.length) {
      el.textContent = 'No corridors are published in this release.';
      document.getElementById('flow-map-card').hidden = true;
      return;
    }
    var rows = flows.flows.map(function (f) {
      return { origin: countryLabel(flows.origin_attribute, f.origin), destination: countryLabel(flows.destination_attribute, f.destination),
               count: f.count, origin_code: f.origin, destination_code: f.destination };
    });
    drawFlowMap(rows);
    var spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container', data: { values: rows },
      mark: { type: 'rect' },
      encoding: {
        y: { field: 'origin', type: 'nominal', title: 'Citizenship', sort: '-color', axis: { labelOverlap: 'greedy' } },
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
      tr.appendChild(countryCell('th', { scope: 'row' }, r.origin_code, r.origin));
      tr.appendChild(countryCell('td', {}, r.destination_code, r.destination));
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
      shapes = window.topojson.feature(world, world.objects.countries).features.filter(function (f) { return f.id !== 'AQ'; });
      centroids = {};
      shapes.forEach(function (f) { centroids[f.id] = centroid(f.geometry); });
      if (!meta.countries.destination) form.querySelector('input[value=destination]').disabled = true;
      if (!meta.countries.origin) {
        form.querySelector('input[value=origin]').disabled = true;
        form.querySelector('input[value=destination]').checked = true;
      }
      readURL();
      form.addEventListener('change', function () { writeURL(false); drawMap(); });
      form.addEventListener('submit', function (e) { e.preventDefault(); });
      document.getElementById('flows-top').addEventListener('change', function () { drawFlows(); });
      window.addEventListener('popstate', function () { readURL(); drawMap(); });
      drawMap();
      drawFlows();
    });
  }).catch(function (err) { CT.showError(statusEl, err); });
})();

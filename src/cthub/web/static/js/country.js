// Country page: the by-year chart of each table, drawn from the page's own table of published counts (the numbers
// the server rendered from the aggregates, so chart and table cannot disagree). Suppressed years are gaps, not zeros.
(function () {
  'use strict';
  var CT = window.cthub;
  var code = document.body.getAttribute('data-code');

  function series(table) {
    var sides = Array.prototype.map.call(table.querySelectorAll('thead th[data-side]'), function (th) {
      return { side: th.getAttribute('data-side'), label: th.textContent.trim() };
    });
    var rows = [];
    table.querySelectorAll('tbody tr').forEach(function (tr) {
      var year = tr.querySelector('th').textContent.trim();
      sides.forEach(function (s) {
        var td = tr.querySelector('td[data-side=' + s.side + ']');
        var raw = td ? td.getAttribute('data-count') : '';
        rows.push({ year: year, series: s.label, side: s.side, count: raw === '' ? null : Number(raw),
                    status: td ? td.textContent.trim() : '' });
      });
    });
    return rows;
  }

  function draw(section) {
    var card = section.querySelector('.trend-card');
    if (!card) return;
    var table = card.querySelector('table.trend');
    var el = card.querySelector('.trend-chart');
    var rows = series(table);
    var years = [];
    rows.forEach(function (r) { if (years.indexOf(r.year) < 0) years.push(r.year); });
    var narrow = (el.clientWidth || window.innerWidth) < 700;
    var spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 'container', height: 200, data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'year', type: 'ordinal', title: null, scale: { domain: years },
             axis: { labelAngle: narrow ? -90 : -45, labelOverlap: 'greedy' } },
        y: { field: 'count', type: 'quantitative', title: 'Protected count' },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 },
                 scale: { range: [CT.colors.protected, CT.colors.synthetic] } },
        tooltip: [{ field: 'year', title: 'Year' }, { field: 'series', title: 'Records' },
                  { field: 'status', title: 'Protected count' }]
      }
    };
    var api = section.getAttribute('data-api');
    el.setAttribute('aria-busy', 'true');
    Promise.all([CT.embed(el, spec), CT.fetchJSON(api + 'meta.json')]).then(function (r) {
      var view = r[0].view, meta = r[1];
      var stem = meta.table + '_' + code + '_by_year';
      var holder = card.querySelector('.downloads-row');
      CT.imageLinks(holder, view, stem);
      holder.appendChild(CT.csvLink(stem + '.csv', ['year', 'series', 'protected_count', 'status'],
        rows.map(function (x) { return [x.year, x.series, x.count, x.status]; }), CT.about(meta, 'country ' + code)));
      el.setAttribute('aria-busy', 'false');
      el.setAttribute('data-ready', 'true');
    }).catch(function (err) { el.textContent = 'The chart could not be drawn: ' + err.message; });
  }

  document.querySelectorAll('section.country-table').forEach(draw);
})();

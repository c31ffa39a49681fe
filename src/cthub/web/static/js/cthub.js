// Shared helpers for the chart pages: data fetching, filter keys, bar charts with a data-table alternative and a
// CSV download. Loaded after the vendored vega, vega-lite, vega-embed and vega-interpreter (CSP: no eval).
(function () {
  'use strict';
  var body = document.body;
  var CT = (window.cthub = {});
  CT.root = body.getAttribute('data-root') || '/';
  CT.api = body.getAttribute('data-api') || '';
  CT.colors = { protected: '#1f4e79', synthetic: '#b34700', muted: '#c8c8c8' };

  var cache = {};
  // GET JSON; resolves to null on 404 (an unpublished slice in a static site), rejects on other errors.
  CT.fetchJSON = function (url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: 'same-origin' }).then(function (r) {
        if (r.status === 404) return null;
        if (!r.ok) throw new Error('Could not load ' + url + ' (HTTP ' + r.status + ')');
        return r.json();
      });
    }
    return cache[url];
  };

  // Same as cthub.web.cube.slug(): characters other than A-Z a-z 0-9 - . become _hex_.
  CT.slug = function (key) {
    if (!key) return '_all';
    var out = '';
    for (var i = 0; i < key.length; i++) {
      var ch = key.charAt(i);
      out += /[A-Za-z0-9\-.]/.test(ch) ? ch : '_' + key.charCodeAt(i).toString(16) + '_';
    }
    return out;
  };

  // Canonical filter key: selections in the table's column order, "a:x;b:y".
  CT.key = function (selections, columns) {
    var pos = {};
    columns.forEach(function (c, i) { pos[c] = i; });
    return selections.slice().sort(function (a, b) {
      return (pos[a[0]] - pos[b[0]]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
    }).map(function (s) { return s[0] + ':' + s[1]; }).join(';');
  };

  CT.parseKey = function (text) {
    var out = [];
    (text || '').split(';').forEach(function (piece) {
      if (!piece) return;
      var i = piece.indexOf(':');
      if (i > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(piece.slice(0, i))) out.push([piece.slice(0, i), piece.slice(i + 1)]);
      else if (out.length) out[out.length - 1][1] += ';' + piece;
    });
    return out;
  };

  CT.slice = function (selections, columns) {
    return CT.fetchJSON(CT.api + 'slices/' + CT.slug(CT.key(selections, columns)) + '.json');
  };

  CT.fmt = function (n) { return n === null || n === undefined ? '' : Number(n).toLocaleString('en'); };

  CT.el = function (tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };

  function csvCell(v) {
    var s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;  // no spreadsheet formulas
    return /[",\n;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  // `about` (optional): {release, table, filter, protection, source} added as columns of every row, so a CSV taken
  // out of the site still says where its numbers come from and how they are protected.
  CT.csvLink = function (filename, header, rows, about) {
    if (about) {
      var keys = ['release', 'table', 'filter', 'protection', 'source'];
      header = header.concat(keys);
      rows = rows.map(function (r) { return r.concat(keys.map(function (k) { return about[k] || ''; })); });
    }
    var text = [header].concat(rows).map(function (r) { return r.map(csvCell).join(','); }).join('\n') + '\n';
    var a = CT.el('a', { class: 'button csv', download: filename }, 'Download CSV');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    return a;
  };

  CT.embed = function (el, spec) {
    return window.vegaEmbed(el, spec, {
      actions: false, renderer: 'svg', ast: true, expr: window.vegaInterpreter,
      config: { font: 'system-ui, sans-serif', view: { stroke: null } }
    });
  };

  // `missing` is what an absent count means under the release's declared rule (meta.rule.missing), e.g.
  // "fewer than 20 (suppressed)" with the EFFECTIVE threshold, or "not published (too rare for the noise)".
  // A derived number says what it is. A row summed over several published cells (a year range, a region) carries
  // `parts` (cells summed) and `missingParts` (suppressed cells, not in the sum): it reads "sum of 10 counts: 1,230",
  // never a bare number or "at least" (rounded or noisy counts give no such bound), and a row whose every cell is
  // suppressed says so instead of claiming the rule for the whole sum.
  CT.statusText = function (row, missing, tooDeep) {
    var parts = row.parts || 1, gone = row.missingParts || 0;
    if (parts > 1) {
      if (row.protected === null || row.protected === undefined || gone >= parts) {
        return tooDeep ? 'too deep to publish' : 'all ' + parts + ' counts suppressed';
      }
      return 'sum of ' + (parts - gone) + ' counts: ' + CT.fmt(row.protected) +
        (gone ? ' (' + gone + ' suppressed, not included)' : '');
    }
    if (row.protected !== null && row.protected !== undefined) return CT.fmt(row.protected);
    if (tooDeep) return 'too deep to publish';
    return missing || 'not published';
  };

  // One sentence for a total summed over several cells, e.g. "Matching records: sum of 10 published counts, 1,230."
  CT.sumText = function (total, parts, gone, missing) {
    if (parts <= 1) {
      return total === null ? 'Matching records: ' + (missing || 'not published') + '.' : 'Matching records: ' + CT.fmt(total) + '.';
    }
    if (total === null || gone >= parts) {
      return 'Matching records: not published — all ' + parts + ' counts this filter adds up are suppressed (' + (missing || 'not published') + ' each).';
    }
    return 'Matching records: the sum of ' + (parts - gone) + ' published counts is ' + CT.fmt(total) +
      (gone ? '; ' + gone + ' more counts are suppressed (' + (missing || 'not published') + ' each) and not included' : '') +
      '. Each count is protected on its own, so a sum can differ from a count published for the whole group.';
  };

  CT.missingText = function (meta) { return (meta.rule && meta.rule.missing) || 'not published'; };

  // The table's record count only as the release declares it ("about 6,100 records — a differentially private
  // count"), or nothing for a release that declares none.
  CT.recordsText = function (meta) {
    var t = meta.records_text;
    return t ? t.charAt(0).toUpperCase() + t.slice(1) + ' in this table.' : '';
  };

  // A chart card: title, bar chart (protected bars + synthetic ticks), a data table alternative, CSV download.
  // opts: {id, title, rows:[{value,label,protected,synthetic,partial,selected}], missing, tooDeep, synthetic: bool,
  //        temporal: bool, clickable: fn(row)->bool, onSelect: fn(row), filename}
  CT.barChart = function (parent, opts) {
    var card = CT.el('section', { class: 'chart-card', id: 'card-' + opts.id, 'aria-labelledby': 'h-' + opts.id });
    card.appendChild(CT.el('h2', { id: 'h-' + opts.id }, opts.title));
    if (opts.note) card.appendChild(CT.el('p', { class: 'note' }, opts.note));
    if (opts.synthetic) card.appendChild(CT.legend(opts.ruleText));
    var chartEl = CT.el('div', { class: 'chart', role: 'img', 'aria-label': opts.title + ': bar chart; the data table below has the same numbers' });
    card.appendChild(chartEl);
    var rows = opts.rows.map(function (r) {
      return {
        value: r.value, label: r.label, protected: r.protected === undefined ? null : r.protected,
        synthetic: r.synthetic === undefined ? null : r.synthetic, status: CT.statusText(r, opts.missing, opts.tooDeep),
        selected: !!r.selected, clickable: opts.clickable ? !!opts.clickable(r) : false
      };
    });
    if (!rows.length) {
      chartEl.appendChild(CT.el('p', { class: 'muted' }, 'No published counts for this selection.'));
    } else {
      // vertical year labels on narrow screens (no two label boxes overlap at phone width); overlapping ones hidden
      var narrow = (parent.clientWidth || window.innerWidth) < 700;
      var axis = opts.temporal ? { field: 'label', type: 'ordinal', sort: null, title: null, axis: { labelAngle: narrow ? -90 : -45, labelOverlap: 'greedy' } }
                               : { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: 160 } };
      var domain = rows.map(function (r) { return r.label; });
      axis.scale = { domain: domain };  // keep the code order even when some bars are suppressed
      var val = function (field, title) { return { field: field, type: 'quantitative', title: title }; };
      var tooltip = [{ field: 'label', title: opts.title }, { field: 'status', title: 'Protected count' }];
      if (opts.synthetic) tooltip.push({ field: 'synthetic', title: 'Synthetic estimate (artificial records)', format: ',' });
      var bar = { mark: { type: 'bar', cursor: opts.onSelect ? 'pointer' : 'default' },
        encoding: { color: { condition: { test: { field: 'selected', equal: true }, value: '#0b2942' }, value: CT.colors.protected },
                    tooltip: tooltip } };
      var tick = { mark: { type: 'tick', color: CT.colors.synthetic, thickness: 3, cursor: opts.onSelect ? 'pointer' : 'default' },
        encoding: { tooltip: tooltip } };
      if (opts.temporal) {
        bar.encoding.x = axis; bar.encoding.y = val('protected', 'Protected count');
        tick.encoding.x = axis; tick.encoding.y = val('synthetic', 'Synthetic estimate');
      } else {
        bar.encoding.y = axis; bar.encoding.x = val('protected', 'Protected count');
        tick.encoding.y = axis; tick.encoding.x = val('synthetic', 'Synthetic estimate');
      }
      var spec = {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 'container', data: { values: rows },
        layer: opts.synthetic ? [bar, tick] : [bar]
      };
      if (opts.temporal) spec.height = 180; else { spec.height = { step: 20 }; spec.autosize = { type: 'fit-x', contains: 'padding' }; }
      CT.embed(chartEl, spec).then(function (res) {
        CT.imageLinks(card, res.view, (opts.filename || opts.id).replace(/\.csv$/, ''));
        if (!opts.onSelect) return;
        res.view.addEventListener('click', function (event, item) {
          var d = item && item.datum;
          if (d && d.value !== undefined && d.clickable) opts.onSelect(d);
        });
      }).catch(function (err) { chartEl.textContent = 'The chart could not be drawn: ' + err.message; });
    }
    // data table alternative
    var details = CT.el('details', { class: 'data-table' });
    details.appendChild(CT.el('summary', {}, 'Data table'));
    var wrap = CT.el('div', { class: 'table-wrap' });
    var table = CT.el('table', { class: 'data' });
    table.appendChild(CT.el('caption', {}, opts.title));
    var head = CT.el('tr');
    var cols = [opts.title, 'Protected count'];
    if (opts.synthetic) cols.push('Synthetic estimate');
    if (opts.onSelect) cols.push('Filter');
    cols.forEach(function (c, i) { head.appendChild(CT.el('th', { scope: 'col', class: i ? 'num' : '' }, c)); });
    var thead = CT.el('thead'); thead.appendChild(head); table.appendChild(thead);
    var tbody = CT.el('tbody');
    rows.forEach(function (r) {
      var tr = CT.el('tr');
      tr.appendChild(CT.el('th', { scope: 'row' }, r.label));
      tr.appendChild(CT.el('td', { class: 'num' }, r.status));
      if (opts.synthetic) {
        var est = CT.fmt(r.synthetic);
        // beside a suppressed count, an estimate is marked as one, so the two never read as two counts of records
        tr.appendChild(CT.el('td', { class: 'num' }, r.protected === null && est ? est + ' (estimate, see legend)' : est));
      }
      if (opts.onSelect) {
        var td = CT.el('td', { class: 'num' });
        if (r.clickable) {
          var b = CT.el('button', { type: 'button', class: 'small', 'aria-label': 'Filter by ' + opts.title + ': ' + r.label }, 'Filter');
          b.addEventListener('click', function () { opts.onSelect(r); });
          td.appendChild(b);
        }
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    });
    table.appendChild(tbody); wrap.appendChild(table); details.appendChild(wrap); card.appendChild(details);
    var header = ['value', 'label', 'protected_count', 'status'];
    if (opts.synthetic) header.push('synthetic_estimate');
    var downloads = CT.el('div', { class: 'downloads-row' });
    downloads.appendChild(CT.csvLink(opts.filename || (opts.id + '.csv'), header, rows.map(function (r) {
      var row = [r.value, r.label, r.protected, r.status];
      if (opts.synthetic) row.push(r.synthetic);
      return row;
    }), opts.about));
    card.appendChild(downloads);
    if (opts.source) card.appendChild(CT.el('p', { class: 'source' }, opts.source));
    parent.appendChild(card);
    return card;
  };

  // "Download PNG" / "Download SVG" of a drawn chart, made on click from the Vega view (no server round trip).
  CT.imageLinks = function (card, view, stem) {
    var row = card.querySelector('.downloads-row') || card;
    [['svg', 'Download SVG'], ['png', 'Download PNG']].forEach(function (f) {
      var b = CT.el('button', { type: 'button', class: 'button small image-download', 'data-format': f[0] }, f[1]);
      b.addEventListener('click', function () {
        view.toImageURL(f[0], f[0] === 'png' ? 2 : 1).then(function (url) {
          var a = CT.el('a', { download: stem + '.' + f[0], href: url });
          document.body.appendChild(a); a.click(); a.remove();
        }).catch(function (err) { b.textContent = 'Could not make the image: ' + err.message; });
      });
      row.appendChild(b);
    });
  };

  // What a chart's CSV says about itself.
  CT.about = function (meta, filterText) {
    return { release: meta.version, table: meta.table, filter: filterText || 'none',
             protection: (meta.rule && meta.rule.text) || '', source: CT.sourceText(meta) };
  };

  // The one legend of a chart that shows both sources: what a bar is, what a tick is, and why they can disagree.
  CT.legend = function (ruleText) {
    var box = CT.el('p', { class: 'legend' });
    var bar = CT.el('span', { class: 'key key-bar', 'aria-hidden': 'true' });
    var tick = CT.el('span', { class: 'key key-tick', 'aria-hidden': 'true' });
    box.appendChild(bar);
    box.appendChild(document.createTextNode(' Bar: protected count, from the published aggregates' +
      (ruleText ? ' (' + ruleText.replace(/\.$/, '') + ')' : '') + '. '));
    box.appendChild(tick);
    box.appendChild(document.createTextNode(' Tick: synthetic estimate, counted from the differentially private ' +
      'synthetic records. Those records are artificial: an estimate is not a count of real cases, and it can be ' +
      'shown where the protected count is suppressed.'));
    return box;
  };

  // The source and notes line under every chart.
  CT.sourceText = function (meta) {
    return 'Source: ' + (meta.hub ? meta.hub + ', ' : '') + 'release ' + meta.version + ', table ' + meta.table + '. ' +
      ((meta.rule && meta.rule.text) || '') + ' Identified cases reported by the contributing organizations, not ' +
      'prevalence. Counts are protected one by one, so they need not add up exactly.';
  };

  CT.showError = function (el, err) {
    el.textContent = 'Something went wrong loading the data: ' + (err && err.message ? err.message : err);
  };
})();

// The run's history chart for dashboard.js (loaded first; same page, plain script, no build step).
// Hand-drawn inline SVG: a few polylines need no chart library, and the page loads nothing from elsewhere.
// Defines one global, drawHistory(svg, run, minutes).
'use strict';

const drawHistory = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const CHART = { w: 600, left: 48, right: 8, rows: [14, 124], errs: [150, 200], maxBuckets: 120 };

  /**
   * Per-minute counts as steps: rows/s = rows ÷ the seconds of that minute the run was going (the
   * first from startedAt, the current one up to now), errors per minute. Minutes the API leaves out
   * had no activity: zero. Long runs are summed into at most CHART.maxBuckets steps. Returns the
   * summary line, or null when there is nothing to draw.
   */
  function draw(svg, run, minutes) {
    if (!minutes.length) { svg.replaceChildren(); return null; }
    const first = Date.parse(minutes[0].minute), last = Date.parse(minutes[minutes.length - 1].minute);
    const start = run.startedAt ? Math.max(first, Math.min(Date.parse(run.startedAt), first + 59000)) : first;
    // now: the later of this clock and the server's last change, so that a browser clock behind the server's never ends before the data
    let end = run.finishedAt ? Date.parse(run.finishedAt) : Math.max(Date.now(), Date.parse(run.updatedAt) || 0);
    end = Math.max(end, last + 1000, start + 1000); // also counts seen just after a cancel
    const span = Math.max(1, Math.ceil((end - first) / 60000));
    const size = Math.max(1, Math.ceil(span / CHART.maxBuckets));
    const buckets = [];
    for (let from = first; from < end; from += size * 60000) {
      buckets.push({ from: Math.max(from, start), to: Math.min(from + size * 60000, end), rows: 0, rateLimited: 0, errors: 0 });
    }
    const totals = { rows: 0, rateLimited: 0, errors: 0, leaseTakeovers: 0 };
    minutes.forEach((m) => {
      const b = buckets[Math.min(buckets.length - 1, Math.floor((Date.parse(m.minute) - first) / (size * 60000)))];
      b.rows += m.rows; b.rateLimited += m.rateLimited; b.errors += m.errors;
      Object.keys(totals).forEach((k) => { totals[k] += m[k]; });
    });
    buckets.forEach((b) => {
      b.to = Math.max(b.to, b.from + 1000);
      b.rate = b.rows / ((b.to - b.from) / 1000);
      b.rl = b.rateLimited / size;
      b.err = b.errors / size;
    });
    const peakRate = Math.max(...buckets.map((b) => b.rate));
    // headroom above the peaks, so that the panel's label never sits on a line
    const rowMax = peakRate * 1.15;
    const errMax = Math.max(1, Math.ceil(Math.max(...buckets.map((b) => Math.max(b.rl, b.err))) * 1.25));
    const x = (t) => CHART.left + (t - start) / (end - start) * (CHART.w - CHART.left - CHART.right);
    const y = (v, max, [top, bottom]) => bottom - (max > 0 ? v / max : 0) * (bottom - top);
    const steps = (value, max, band) => buckets.flatMap((b) => [[x(b.from), y(value(b), max, band)], [x(b.to), y(value(b), max, band)]]);
    const pts = (list) => list.map(([px, py]) => px.toFixed(1) + ',' + py.toFixed(1)).join(' ');

    const rowSteps = steps((b) => b.rate, rowMax, CHART.rows);
    const base = CHART.rows[1];
    const clock = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const per = size === 1 ? 'minute' : size + ' min';
    svg.replaceChildren(
      svgEl('title', { id: 'history-title' }, 'Rows per second and errors per ' + per + ', run #' + run.id),
      svgEl('line', { class: 'axis', x1: CHART.left, x2: CHART.w - CHART.right, y1: base, y2: base }),
      svgEl('line', { class: 'axis', x1: CHART.left, x2: CHART.w - CHART.right, y1: CHART.errs[1], y2: CHART.errs[1] }),
      svgEl('text', { x: 0, y: CHART.rows[0] + 4 }, decimal(rowMax)),
      svgEl('text', { x: 0, y: base }, '0'),
      svgEl('text', { x: CHART.left + 4, y: CHART.rows[0] - 2 }, 'rows/s'),
      svgEl('text', { x: 0, y: CHART.errs[0] + 4 }, whole(errMax)),
      svgEl('text', { x: 0, y: CHART.errs[1] }, '0'),
      svgEl('text', { x: CHART.left + 4, y: CHART.errs[0] - 2 }, 'per ' + per + ': 429s (dashed), other errors'),
      svgEl('polygon', { class: 'rows-area', points: pts([[x(start), base], ...rowSteps, [x(end), base]]) }),
      svgEl('polyline', { class: 'rows-line', points: pts(rowSteps) }),
      svgEl('polyline', { class: 'rl-line', points: pts(steps((b) => b.rl, errMax, CHART.errs)) }),
      svgEl('polyline', { class: 'err-line', points: pts(steps((b) => b.err, errMax, CHART.errs)) }),
      svgEl('text', { x: CHART.left, y: 222 }, clock(start)),
      svgEl('text', { x: CHART.w - CHART.right, y: 222, 'text-anchor': 'end' }, run.finishedAt ? clock(end) : 'now'));
    return 'Peak ' + decimal(peakRate) + ' rows/s · ' + whole(totals.rateLimited) + ' 429s · '
      + whole(totals.errors) + ' other errors · ' + whole(totals.leaseTakeovers) + ' lease takeovers';
  }

  const decimal = (n) => n.toFixed(1);
  const whole = (n) => n.toLocaleString('en');

  function svgEl(tag, attrs, text) {
    const el = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, String(v)));
    if (text != null) el.textContent = text;
    return el;
  }

  return draw;
})();

// barChart: a small horizontal grouped bar-chart writer for the benchmark
// reports. No dependencies; the same input always gives the same bytes (no
// dates, no random ids, coordinates rounded to 0.1 px).
//
// A chart is a title, a legend, and one or more panels stacked vertically.
// Each panel has its own linear x axis (so workloads of very different
// magnitudes each get a readable scale) and a list of groups (workloads);
// a group is a label and one bar per series (codec or server). A bar may be
// stacked from parts (e.g. time in the core + time at the boundary), may carry
// a min–max whisker, and is labelled with its value.
//
//   barChart({
//     title: 'HPACK decode, speed relative to hpack.js',
//     subtitle: ['higher is better', 'machine …'],   // lines under the title
//     series: [{ name: 'h2wasm wasm', color: '#0072B2' }, …],
//     parts: [{ name: 'in the core' }, { name: 'at the boundary' }], // optional, for stacked bars
//     panels: [{
//       title: 'corpus',                                // optional
//       axis: { label: '× hpack.js', format: (v) => `${v}×` },
//       ref: { value: 1, label: 'hpack.js' },           // optional vertical reference line
//       groups: [{ label: 'hello response', bars: [
//         { series: 'h2wasm wasm', value: 3.62, text: '3.62× · 541 ns' },
//         { series: 'h2wasm js', segments: [553, 271], text: '…' },     // stacked: parts in order
//         { series: 'node:http2', value: 5544, range: [4057, 5603] },   // whisker
//       ] }],
//     }],
//     notes: ['footer line', …],
//   }) → string (an SVG document)

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const WIDTH = 800;
const PAD = 16;
const LABEL_W = 196; // group-label column
const MIN_LABEL_W = 90; // room right of the plot kept for labels, at least
const VALUE_SIZE = 11.5; // bar labels' font size
const BAR_H = 15;
const BAR_GAP = 3;
const GROUP_GAP = 12;
const LINE_H = 14;
const TICKS = 6;

/** esc escapes text for SVG content and attribute values. */
export function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** r rounds a coordinate to 0.1 px, printed without trailing zeros. */
const r = (x) => String(Math.round(x * 10) / 10);

/** textWidth estimates the width of s at size px (an average glyph of a wide sans-serif such as DejaVu Sans is about 0.6 em). */
export function textWidth(s, size = 12) {
  return String(s).length * size * 0.6;
}

/** wrap breaks s into lines of at most maxW px at `size`, on spaces. */
export function wrap(s, maxW, size = 12) {
  const words = String(s).split(' ');
  const lines = [];
  let cur = '';
  for (const w of words) {
    const next = cur ? `${cur} ${w}` : w;
    if (cur && textWidth(next, size) > maxW) {
      lines.push(cur);
      cur = w;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** niceStep returns 1, 2, 2.5 or 5 × 10^k, the smallest such step ≥ raw. */
function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const k = Math.floor(Math.log10(raw));
  const base = 10 ** k;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * base >= raw * (1 - 1e-9)) return m * base;
  return 10 * base;
}

/** ticksFor returns { max, step, ticks } for values up to max (the axis starts at 0). */
export function ticksFor(max) {
  const step = niceStep((max > 0 ? max : 1) / (TICKS - 1));
  const top = Math.max(step, Math.ceil(((max > 0 ? max : 1) * (1 - 1e-9)) / step) * step);
  const ticks = [];
  for (let v = 0; v <= top * (1 + 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return { max: top, step, ticks };
}

/** defaultFormat prints a tick: thousands separated, at most 2 decimals. */
export function defaultFormat(v) {
  return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** barEnd returns how far a bar reaches: its value, its stacked sum, or its whisker. */
function barEnd(b) {
  const v = b.segments ? b.segments.reduce((s, x) => s + Math.max(0, x ?? 0), 0) : (b.value ?? 0);
  return Math.max(v, b.range?.[1] ?? 0);
}

/** barText is the label printed right of a bar. */
function barText(b, fmt) {
  if (!b.segments && (b.value === null || b.value === undefined)) return 'n/a';
  return b.text ?? fmt(b.segments ? b.segments.reduce((s, x) => s + (x ?? 0), 0) : b.value);
}

const PART_OPACITY = [1, 0.38, 0.2]; // part 0 solid, then lighter

export function barChart({ title, subtitle = [], series, parts = null, panels, notes = [], width = WIDTH }) {
  const color = new Map(series.map((s) => [s.name, s.color]));
  const out = [];
  let y = PAD;
  const plotX0 = PAD + LABEL_W;

  // Title and subtitle.
  out.push(`<text x="${PAD}" y="${r(y + 15)}" font-size="17" font-weight="600" fill="#111">${esc(title)}</text>`);
  y += 24;
  for (const line of subtitle) {
    for (const l of wrap(line, width - 2 * PAD, 12)) {
      out.push(`<text x="${PAD}" y="${r(y + 12)}" font-size="12" fill="#555">${esc(l)}</text>`);
      y += 16;
    }
  }
  y += 6;

  // Legend: series swatches, then part styles, flowing left to right.
  const legend = [...series.map((s) => ({ name: s.name, swatch: (x, yy) => `<rect x="${r(x)}" y="${r(yy)}" width="12" height="12" fill="${s.color}"/>` }))];
  if (parts) {
    parts.forEach((p, i) => legend.push({
      name: p.name,
      swatch: (x, yy) => `<rect x="${r(x)}" y="${r(yy)}" width="12" height="12" fill="#666" fill-opacity="${PART_OPACITY[i] ?? 0.2}" stroke="#666" stroke-width="1"/>`,
    }));
  }
  let lx = PAD;
  for (const item of legend) {
    const w = 12 + 6 + textWidth(item.name, 12) + 22;
    if (lx > PAD && lx + w > width - PAD) {
      lx = PAD;
      y += 18;
    }
    out.push(item.swatch(lx, y));
    out.push(`<text x="${r(lx + 18)}" y="${r(y + 10.5)}" font-size="12" fill="#222">${esc(item.name)}</text>`);
    lx += w;
  }
  y += 26;

  // Scales first: each panel's axis top, then one plot width for all panels,
  // as wide as lets every bar's label end inside the chart.
  const scales = panels.map((panel) => {
    let vmax = 0;
    for (const g of panel.groups) {
      for (const b of g.bars) vmax = Math.max(vmax, barEnd(b));
    }
    if (panel.ref) vmax = Math.max(vmax, panel.ref.value);
    return ticksFor(panel.axis?.max ?? vmax);
  });
  const room = width - PAD - plotX0; // plot plus labels
  let plotW = room - MIN_LABEL_W;
  panels.forEach((panel, i) => {
    const fmt = panel.axis?.format ?? defaultFormat;
    for (const g of panel.groups) {
      for (const b of g.bars) {
        const f = barEnd(b) / scales[i].max;
        const need = 6 + textWidth(barText(b, fmt), VALUE_SIZE);
        if (f > 0) plotW = Math.min(plotW, (room - need) / f);
      }
    }
  });
  plotW = Math.max(plotW, room * 0.4);
  const plotX1 = plotX0 + plotW;

  panels.forEach((panel, pi) => {
    const fmt = panel.axis?.format ?? defaultFormat;
    if (panel.title) {
      for (const l of wrap(panel.title, width - 2 * PAD, 13.5 * 1.1)) { // bold runs about 10% wider
        out.push(`<text x="${PAD}" y="${r(y + 13)}" font-size="13.5" font-weight="600" fill="#222">${esc(l)}</text>`);
        y += 18;
      }
      y += 4;
    }
    if (panel.ref?.label) y += 14; // the reference line's label sits above the bars
    const { max, ticks } = scales[pi];
    const X = (v) => plotX0 + (Math.max(0, v) / max) * plotW;
    const top = y;
    const body = [];
    for (const g of panel.groups) {
      const lines = wrap(g.label, LABEL_W - 12, 12);
      const barsH = g.bars.length * (BAR_H + BAR_GAP) - BAR_GAP;
      const h = Math.max(barsH, lines.length * LINE_H);
      const ly = y + (h - lines.length * LINE_H) / 2;
      lines.forEach((l, i) => body.push(`<text x="${r(plotX0 - 10)}" y="${r(ly + i * LINE_H + 11)}" font-size="12" text-anchor="end" fill="#222">${esc(l)}</text>`));
      let by = y + (h - barsH) / 2;
      for (const b of g.bars) {
        const c = color.get(b.series) ?? '#888';
        let end = plotX0;
        if (b.segments) {
          let acc = 0;
          b.segments.forEach((sv, i) => {
            const v = Math.max(0, sv ?? 0);
            const x0 = X(acc);
            acc += v;
            const x1 = X(acc);
            if (x1 - x0 > 0) body.push(`<rect x="${r(x0)}" y="${r(by)}" width="${r(x1 - x0)}" height="${BAR_H}" fill="${c}" fill-opacity="${PART_OPACITY[i] ?? 0.2}" stroke="${c}" stroke-width="1"/>`);
          });
          end = X(acc);
        } else if (b.value !== null && b.value !== undefined) {
          end = X(b.value);
          body.push(`<rect x="${r(plotX0)}" y="${r(by)}" width="${r(Math.max(0.5, end - plotX0))}" height="${BAR_H}" fill="${c}"/>`);
        }
        if (b.range) {
          const [lo, hi] = b.range;
          const my = by + BAR_H / 2;
          body.push(`<path d="M${r(X(lo))} ${r(my)}H${r(X(hi))}M${r(X(lo))} ${r(my - 4)}V${r(my + 4)}M${r(X(hi))} ${r(my - 4)}V${r(my + 4)}" stroke="#222" stroke-width="1.2" fill="none"/>`);
          end = Math.max(end, X(hi));
        }
        body.push(`<text x="${r(end + 5)}" y="${r(by + 11.5)}" font-size="${VALUE_SIZE}" fill="#222">${esc(barText(b, fmt))}</text>`);
        by += BAR_H + BAR_GAP;
      }
      y += h + GROUP_GAP;
    }
    const bottom = y - GROUP_GAP + 6;
    // Grid and ticks first, so bars draw over them.
    for (const t of ticks) {
      const x = X(t);
      out.push(`<line x1="${r(x)}" y1="${r(top - 4)}" x2="${r(x)}" y2="${r(bottom)}" stroke="${t === 0 ? '#444' : '#e3e3e3'}" stroke-width="1"/>`);
    }
    // The reference line under the bars and labels: a label crossing it stays readable.
    if (panel.ref) {
      const x = X(panel.ref.value);
      out.push(`<line x1="${r(x)}" y1="${r(top - 8)}" x2="${r(x)}" y2="${r(bottom)}" stroke="#c00" stroke-width="1.2" stroke-dasharray="4 3"/>`);
      if (panel.ref.label) out.push(`<text x="${r(x + 4)}" y="${r(top - 9)}" font-size="11" fill="#c00">${esc(panel.ref.label)}</text>`);
    }
    out.push(...body);
    out.push(`<line x1="${r(plotX0)}" y1="${r(bottom)}" x2="${r(plotX1)}" y2="${r(bottom)}" stroke="#444" stroke-width="1"/>`);
    for (const t of ticks) {
      const x = X(t);
      out.push(`<line x1="${r(x)}" y1="${r(bottom)}" x2="${r(x)}" y2="${r(bottom + 4)}" stroke="#444" stroke-width="1"/>`);
      out.push(`<text x="${r(x)}" y="${r(bottom + 16)}" font-size="11" text-anchor="middle" fill="#444">${esc(fmt(t))}</text>`);
    }
    y = bottom + 20;
    if (panel.axis?.label) {
      out.push(`<text x="${r(plotX0 + plotW / 2)}" y="${r(y + 11)}" font-size="12" text-anchor="middle" fill="#333">${esc(panel.axis.label)}</text>`);
      y += 16;
    }
    y += 16;
  });

  for (const note of notes) {
    for (const l of wrap(note, width - 2 * PAD, 11)) {
      out.push(`<text x="${PAD}" y="${r(y + 11)}" font-size="11" fill="#666">${esc(l)}</text>`);
      y += 15;
    }
  }
  const height = Math.ceil(y + PAD - 10);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT)}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

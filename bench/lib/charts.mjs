// renderCharts: the SVG charts of docs/bench/, drawn from whichever result
// files exist there (codec.json, frames.json, server.json, server-transfers.json, workerd.json).
// Deterministic: the same JSON gives the same SVG bytes.
//
//   codec-decode.svg, codec-encode.svg  speed relative to hpack.js per workload, with ns/block
//   codec-boundary.svg                  h2wasm wasm/js: time in the core vs at the boundary
//   frames.svg                          frame parse/serialize MB/s, WASM vs JS build
//   server-rps.svg                      req/s per h2load workload, each server
//   server-memory.svg                   RSS per idle connection
//   workerd.svg                         the codec benchmark inside workerd (if its JSON exists)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from './svg.mjs';

/** COLORS: one color per codec or server in every chart (Okabe–Ito, readable by colour-blind readers). */
const COLORS = {
  'h2wasm wasm': '#0072B2',
  'h2wasm js': '#E69F00',
  'hpack.js': '#009E73',
  hpack: '#CC79A7',
  'node:http2': '#7F7F7F',
};
const SPARE = ['#56B4E9', '#D55E00', '#000000', '#F0E442'];

function seriesOf(names) {
  let k = 0;
  return names.map((name) => ({ name, color: COLORS[name] ?? SPARE[k++ % SPARE.length] }));
}

const uniq = (a) => [...new Set(a)];
const int = (v) => Math.round(v).toLocaleString('en-US');
const fix = (v, d) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** machineNote describes where a result file's figures come from, in one line. */
function machineNote(json, what) {
  const m = json.machine ?? {};
  const bits = [m.cpu, m.cores && `${m.cores} cores`, m.node && `Node ${m.node}`, m.date?.slice(0, 10)].filter(Boolean);
  return `${what} ${bits.join(', ')}${json.quick ? ' — QUICK RUN (fewer, shorter rounds)' : ''}.`;
}

// --- codec.json: { machine, quick, results: [{ workload, codec, op, nsPerBlock, mbPerSecond, blocks, blockBytes }] }

function codecRatioChart(json, op) {
  const res = json.results;
  // Decode-only workloads (blocks other encoders made) have no encode figures.
  const workloads = uniq(res.filter((r) => r.op === op).map((r) => r.workload));
  const codecs = uniq(res.map((r) => r.codec));
  const get = (w, c, o) => res.find((r) => r.workload === w && r.codec === c && r.op === o);
  const verb = op === 'decode' ? 'decode' : 'encode';
  return barChart({
    title: `HPACK ${verb}: speed relative to hpack.js`,
    subtitle: [
      `Per header block, ${op === 'decode' ? 'JS strings made from the decoded fields' : 'from JS strings to wire bytes'} included. Higher is better; labels: ratio · median ns per block.`,
      machineNote(json, 'bench/codec.mjs on'),
    ],
    series: seriesOf(codecs),
    panels: [{
      axis: { label: 'hpack.js time ÷ codec time (×)', format: (v) => `${v}×` },
      ref: { value: 1, label: 'hpack.js = 1×' },
      groups: workloads.map((w) => {
        const first = get(w, codecs[0], op);
        const ref = get(w, 'hpack.js', op);
        return {
          label: `${w} (${int(first.blockBytes / first.blocks)} B/block)`,
          bars: codecs.map((c) => {
            const x = get(w, c, op);
            if (!x || !ref) return { series: c, value: null };
            const ratio = ref.nsPerBlock / x.nsPerBlock;
            return { series: c, value: ratio, text: `${fix(ratio, 2)}× · ${int(x.nsPerBlock)} ns` };
          }),
        };
      }),
    }],
  });
}

function codecBoundaryChart(json) {
  const res = json.results;
  const workloads = uniq(res.map((r) => r.workload));
  const codecs = uniq(res.filter((r) => r.op.endsWith('(core only)')).map((r) => r.codec));
  const get = (w, c, o) => res.find((r) => r.workload === w && r.codec === c && r.op === o);
  return barChart({
    title: 'HPACK in h2wasm: time in the core vs at the JS boundary',
    subtitle: [
      'Per header block. Solid: inside the core (bytes already in place, no strings). Light: the rest of the full call — copying bytes in and out, making or reading JS strings. Lower is better; labels: full = core + boundary.',
      machineNote(json, 'bench/codec.mjs on'),
    ],
    series: seriesOf(codecs),
    parts: [{ name: 'in the core' }, { name: 'at the boundary' }],
    panels: workloads.map((w) => ({
      title: w,
      axis: { label: 'ns per header block', format: int },
      groups: ['decode', 'encode'].map((op) => ({
        label: op,
        bars: codecs.map((c) => {
          const full = get(w, c, op);
          const core = get(w, c, `${op} (core only)`);
          if (!full || !core) return { series: c, value: null };
          const bnd = full.nsPerBlock - core.nsPerBlock;
          const text = bnd >= 0
            ? `${int(full.nsPerBlock)} = ${int(core.nsPerBlock)} + ${int(bnd)} ns (${Math.round((bnd / full.nsPerBlock) * 100)}% boundary)`
            : `${int(full.nsPerBlock)} ns (core alone: ${int(core.nsPerBlock)}; boundary in the noise)`;
          return { series: c, segments: [Math.min(core.nsPerBlock, full.nsPerBlock), Math.max(0, bnd)], text };
        }),
      })),
    })),
  });
}

// --- frames.json: { machine, quick, config: { splits }, codecs, workloads: [{ id, name, frames, bytes }],
//                    results: [{ workload, codec, op, split, nsPerFrame, mbPerSecond, bytes, nsPerPass }] }

function framesChart(json) {
  const res = json.results;
  const get = (w, c, o, s) => res.find((r) => r.workload === w && r.codec === c && r.op === o && r.split === s);
  return barChart({
    title: 'HTTP/2 frames: parse and serialize throughput, WASM vs JS build',
    subtitle: [
      'Parse: frameDecoder with HPACK attached, fed in reads of 16 or 64 KiB, frame objects and header strings out. Serialize: encodeFrames on batches of one write. MB/s of wire bytes; higher is better; whiskers: slowest–fastest round; labels: median MB/s · ns per frame.',
      machineNote(json, 'bench/frames.mjs on'),
    ],
    series: seriesOf(json.codecs),
    panels: json.workloads.map((w) => ({
      title: `${w.name} — ${int(w.frames)} frames, ${int(w.bytes / w.frames)} B/frame`,
      axis: { label: 'MB/s', format: int },
      groups: ['parse', 'serialize'].flatMap((op) => json.config.splits.map((split) => ({
        label: `${op}, ${split / 1024} KiB ${op === 'parse' ? 'reads' : 'writes'}`,
        bars: json.codecs.map((c) => {
          const x = get(w.id, c, op, split);
          if (!x) return { series: c, value: null };
          const mbs = (x.nsPerPass ?? []).map((ns) => (x.bytes / ns) * 1000);
          return {
            series: c,
            value: x.mbPerSecond,
            range: mbs.length > 1 ? [Math.min(...mbs), Math.max(...mbs)] : undefined,
            text: `${x.mbPerSecond >= 100 ? int(x.mbPerSecond) : fix(x.mbPerSecond, 1)} MB/s · ${int(x.nsPerFrame)} ns/frame`,
          };
        }),
      }))),
    })),
  });
}

// --- server.json: { machine, quick, config, targets: [{ letter, label }], reference, summary: [{ metric, label, better, targets: { L: { median, values } }, ratios }] }

function serverChart(json, metricIds, { title, what, axis, unit, fmt, groupLabel }) {
  // Bars are labelled with fmt; the axis ticks keep the default format.
  const targets = json.targets;
  const ref = json.reference;
  const refLabel = targets.find((t) => t.letter === ref)?.label ?? ref;
  const rows = json.summary.filter((s) => metricIds.includes(s.metric));
  if (rows.length === 0) return null;
  return barChart({
    title,
    subtitle: [
      `${what} Medians over ${json.config?.rounds ?? '?'} rounds; whiskers: min–max over rounds; in brackets: the median of per-round ratios to ${refLabel}.`,
      machineNote(json, `bench/server.mjs on`) + (json.machine?.h2load ? ` h2load ${json.machine.h2load}.` : ''),
    ],
    series: seriesOf(targets.map((t) => t.label)),
    panels: [{
      axis: { label: axis },
      groups: rows.map((row) => ({
        label: groupLabel(row),
        bars: targets.map((t) => {
          const c = row.targets[t.letter];
          if (!c || c.median === null) return { series: t.label, value: null };
          const ratio = row.ratios[`${t.letter}/${ref}`]?.median;
          const vals = c.values ?? [];
          return {
            series: t.label,
            value: c.median,
            range: vals.length > 1 ? [Math.min(...vals), Math.max(...vals)] : undefined,
            text: `${fmt(c.median)} ${unit}${ratio ? ` (${fix(ratio, 2)}×)` : ''}`,
          };
        }),
      })),
    }],
  });
}

// --- workerd.json (bench/workerd.mjs): { machine, quick, results: [{ runtime, workload, codec, op, nsPerBlock }] },
// runtime 'workerd' or 'node' (the same closures in Node, same run). Drawn: the
// workerd figures, as ratios to hpack.js in workerd when it ran there, else ns per block.

function workerdChart(json) {
  const all = Array.isArray(json.results) ? json.results.filter((r) => r && r.workload && r.codec && r.op && typeof r.nsPerBlock === 'number') : [];
  const res = all.some((r) => r.runtime) ? all.filter((r) => r.runtime === 'workerd') : all;
  if (res.length === 0) return { skip: 'workerd.json has no results[] of { runtime: "workerd", workload, codec, op, nsPerBlock }' };
  const codecs = uniq(res.map((r) => r.codec));
  const workloads = uniq(res.map((r) => r.workload));
  const ops = uniq(res.map((r) => r.op)).filter((o) => o === 'decode' || o === 'encode');
  const find = (w, c, o) => res.find((r) => r.workload === w && r.codec === c && r.op === o);
  const ratios = codecs.includes('hpack.js');
  const m = json.machine ?? {};
  const where = [m.workerd && `workerd ${m.workerd}`, m.miniflare && `miniflare ${m.miniflare}`].filter(Boolean).join(' via ');
  const svg = barChart({
    title: `HPACK inside workerd${ratios ? ': speed relative to hpack.js' : ''}`,
    subtitle: [
      (ratios ? 'Per header block, every codec running in the Worker, hpack.js too; strings included. Higher is better; labels: ratio · median ns per block.' : 'Median ns per header block in the Worker; lower is better.') + ' Node figures of the same run are in workerd.md.',
      machineNote(json, `bench/workerd.mjs${where ? ` (${where})` : ''} on`),
    ],
    series: seriesOf(codecs),
    panels: ops.map((op) => ({
      title: op,
      axis: ratios ? { label: 'hpack.js time ÷ codec time in workerd (×)', format: (v) => `${v}×` } : { label: 'ns per header block', format: int },
      ref: ratios ? { value: 1, label: 'hpack.js = 1×' } : undefined,
      groups: workloads.map((w) => ({
        label: w,
        bars: codecs.map((c) => {
          const x = find(w, c, op);
          if (!x) return { series: c, value: null };
          if (!ratios) return { series: c, value: x.nsPerBlock, text: `${int(x.nsPerBlock)} ns` };
          const ref = find(w, 'hpack.js', op);
          if (!ref) return { series: c, value: null };
          const ratio = ref.nsPerBlock / x.nsPerBlock;
          return { series: c, value: ratio, text: `${fix(ratio, 2)}× · ${int(x.nsPerBlock)} ns` };
        }),
      })),
    })),
  });
  return { svg };
}

/**
 * renderCharts reads the result files in dir and writes the charts next to
 * them. Returns { written: [file…], skipped: [{ chart, why }…] }; a chart
 * whose input is missing or unreadable is skipped, never fatal.
 */
export function renderCharts(dir) {
  const written = [];
  const skipped = [];
  const load = (name) => {
    const p = join(dir, name);
    if (!existsSync(p)) return { why: `${name} not found` };
    try {
      return { json: JSON.parse(readFileSync(p, 'utf8')) };
    } catch (err) {
      return { why: `${name}: ${err.message}` };
    }
  };
  const draw = (file, fn) => {
    try {
      const svg = fn();
      if (!svg) {
        skipped.push({ chart: file, why: 'no figures for it in the results' });
        return;
      }
      writeFileSync(join(dir, file), svg);
      written.push(join(dir, file));
    } catch (err) {
      skipped.push({ chart: file, why: `${err.stack ?? err}` });
    }
  };
  const needs = (what, files, fn) => {
    const r = load(what);
    if (!r.json) {
      for (const f of files) skipped.push({ chart: f, why: r.why });
      return;
    }
    fn(r.json);
  };

  needs('codec.json', ['codec-decode.svg', 'codec-encode.svg', 'codec-boundary.svg'], (json) => {
    draw('codec-decode.svg', () => codecRatioChart(json, 'decode'));
    draw('codec-encode.svg', () => codecRatioChart(json, 'encode'));
    draw('codec-boundary.svg', () => codecBoundaryChart(json));
  });
  needs('frames.json', ['frames.svg'], (json) => draw('frames.svg', () => framesChart(json)));
  needs('server.json', ['server-rps.svg'], (json) => {
    draw('server-rps.svg', () => serverChart(json, ['c1.rps', 'c10.rps', 'c100.rps', 'tls.rps'], {
      title: 'HTTP/2 server: requests per second (h2load, GET / → 12 bytes)',
      what: 'Higher is better.',
      axis: 'requests per second',
      unit: 'req/s',
      fmt: int,
      groupLabel: (row) => row.label.replace(/, req\/s$/, ''),
    }));
  });
  // The idle-memory workload runs with the transfers (docs/BENCHMARKS.md: `--only idle,tls,download,upload`).
  needs('server-transfers.json', ['server-memory.svg'], (json) => {
    draw('server-memory.svg', () => serverChart(json, ['idle.kib'], {
      title: 'HTTP/2 server: memory per idle connection',
      what: `Growth of the server's RSS with ${int(json.config?.idleConnections ?? 0)} idle connections open (each made one GET), divided by their number. Lower is better.`,
      axis: 'KiB of RSS per idle connection',
      unit: 'KiB',
      fmt: (v) => fix(v, 1),
      groupLabel: () => `${int(json.config?.idleConnections ?? 0)} idle connections, h2c`,
    }));
  });
  const wd = load('workerd.json');
  if (wd.json) {
    const r = workerdChart(wd.json);
    if (r.svg) draw('workerd.svg', () => r.svg);
    else skipped.push({ chart: 'workerd.svg', why: r.skip });
  } else skipped.push({ chart: 'workerd.svg', why: wd.why });
  return { written, skipped };
}

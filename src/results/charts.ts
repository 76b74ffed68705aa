import { reportAxes, type ReportData, type ReportOverall } from './report-data.js';

/**
 * Hand-written inline SVG charts for the report: no chart library, no fonts or scripts from
 * anywhere, so the HTML page is self-contained. Output is deterministic (stable ordering, every
 * coordinate printed with a fixed number of decimals) so committed reports diff cleanly.
 *
 * - categoryAccuracyChart: grouped bars, per-category accuracy (plus the overall figure) with one
 *   bar per model (teacher / student-base / student side by side), 95% intervals as whiskers.
 * - accuracyScatterChart: accuracy against latency p50 or cost per 1M tokens, one point per
 *   model x approach (colour = model, shape = approach).
 * Every chart is `role="img"` with a <title> and <desc>, and every bar or point has a <title>.
 */

/** Fixed colours of the distillation roles; other models take PALETTE colours in display order. */
export const MODEL_COLORS: Readonly<Record<string, string>> = {
  teacher: '#4e79a7',
  'student-base': '#f28e2b',
  student: '#59a14f',
};
export const PALETTE = ['#e15759', '#76b7b2', '#b07aa1', '#edc948', '#9c755f', '#ff9da7', '#17becf', '#7f7f7f'] as const;

const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
type Shape = (typeof SHAPES)[number];

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"';
const INK = '#222222';
const MUTED = '#666666';
const GRID = '#e3e3e3';

/** Colour of each model (display order in, same order out). */
export function modelColors(models: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let next = 0;
  for (const m of models) {
    const fixed = MODEL_COLORS[m];
    out.set(m, fixed ?? PALETTE[next++ % PALETTE.length]!);
  }
  return out;
}

/** Text and attribute values for XML/HTML. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number with fixed decimals, never "-0". */
export function fixed(x: number, digits = 1): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Accuracy 0..1 as a percentage with one decimal: "85.0%". */
export function percent(x: number, digits = 1): string {
  return `${fixed(100 * x, digits)}%`;
}

/** An id usable in SVG/HTML (ids of titles must be unique on the page). */
export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** "Nice" axis ticks from 0 to at least `max` (at most ~6 intervals). */
export function niceTicks(max: number, target = 5): { ticks: number[]; step: number; decimals: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { ticks: [0, 1], step: 1, decimals: 0 };
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const count = Math.ceil(max / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / magnitude === 2.5 ? 1 : 0));
  const ticks = Array.from({ length: count + 1 }, (_, i) => Number((i * step).toFixed(decimals + 2)));
  return { ticks, step, decimals };
}

function svgOpen(id: string, width: number, height: number, title: string, desc: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${escapeXml(id)}-title ${escapeXml(id)}-desc" ${FONT}>\n` +
    `<title id="${escapeXml(id)}-title">${escapeXml(title)}</title>\n` +
    `<desc id="${escapeXml(id)}-desc">${escapeXml(desc)}</desc>\n` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>\n` +
    `<text x="16" y="24" font-size="15" font-weight="600" fill="${INK}">${escapeXml(title)}</text>\n`
  );
}

function marker(shape: Shape, x: number, y: number, r: number, fill: string, extra = ''): string {
  const p = (n: number) => fixed(n);
  switch (shape) {
    case 'circle':
      return `<circle cx="${p(x)}" cy="${p(y)}" r="${p(r)}" fill="${fill}"${extra}/>`;
    case 'square':
      return `<rect x="${p(x - r)}" y="${p(y - r)}" width="${p(2 * r)}" height="${p(2 * r)}" fill="${fill}"${extra}/>`;
    case 'triangle':
      return `<polygon points="${p(x)},${p(y - 1.2 * r)} ${p(x + 1.1 * r)},${p(y + 0.9 * r)} ${p(x - 1.1 * r)},${p(y + 0.9 * r)}" fill="${fill}"${extra}/>`;
    case 'diamond':
      return `<polygon points="${p(x)},${p(y - 1.3 * r)} ${p(x + 1.3 * r)},${p(y)} ${p(x)},${p(y + 1.3 * r)} ${p(x - 1.3 * r)},${p(y)}" fill="${fill}"${extra}/>`;
  }
}

const LEGEND_Y = 48;
const LEGEND_ROW = 18;

/** Legend rows from (x, LEGEND_Y), wrapping before `maxX`; returns the SVG and the number of rows. */
function legend(items: { label: string; color: string; shape?: Shape }[], x: number, maxX: number): { svg: string; rows: number } {
  let cx = x;
  let y = LEGEND_Y;
  let rows = 1;
  const parts: string[] = [];
  for (const item of items) {
    const w = 17 + textWidth(item.label, 12) + 16;
    if (cx > x && cx + w - 16 > maxX) {
      cx = x;
      y += LEGEND_ROW;
      rows++;
    }
    const swatch = item.shape
      ? marker(item.shape, cx + 6, y - 4, 5, item.color)
      : `<rect x="${fixed(cx)}" y="${fixed(y - 10)}" width="12" height="12" rx="2" fill="${item.color}"/>`;
    parts.push(`${swatch}<text x="${fixed(cx + 17)}" y="${fixed(y)}" font-size="12" fill="${INK}">${escapeXml(item.label)}</text>`);
    cx += w;
  }
  return { svg: `<g class="legend">${parts.join('')}</g>\n`, rows };
}

/** Rough width of a label in the sans-serif font, for layout only. */
function textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.58);
}

function emptyChart(id: string, title: string, message: string): string {
  const width = 640;
  const height = 120;
  return `${svgOpen(id, width, height, title, message)}<text x="16" y="70" font-size="13" fill="${MUTED}">${escapeXml(message)}</text>\n</svg>\n`;
}

export interface ChartOptions {
  /** Unique id on the page (prefix of the title/desc ids). */
  id?: string;
}

export const OVERALL_GROUP = 'overall';

/**
 * Grouped bar chart of per-category accuracy for one approach: a group per category (then the
 * overall figure), a bar per model in display order.
 */
export function categoryAccuracyChart(data: ReportData, approach: string, options: ChartOptions = {}): string {
  const id = options.id ?? `chart-accuracy-${safeId(approach)}`;
  const title = `Accuracy per category (${approach})`;
  const axes = reportAxes(data);
  const rows = data.rows.filter((r) => r.approach === approach);
  const overall = data.overall.filter((o) => o.approach === approach);
  const models = axes.models.filter((m) => rows.some((r) => r.model === m) || overall.some((o) => o.model === m));
  const categories = axes.categories.filter((c) => rows.some((r) => r.category === c));
  if (models.length === 0) return emptyChart(id, title, `no results for approach ${approach}`);
  const colors = modelColors(axes.models);
  const groups = [...categories, ...(overall.length ? [OVERALL_GROUP] : [])];
  const value = (group: string, model: string): { accuracy: number; n: number; correct?: number; ciLow?: number; ciHigh?: number } | undefined =>
    group === OVERALL_GROUP ? overall.find((o) => o.model === model) : rows.find((r) => r.model === model && r.category === group);

  const barWidth = models.length <= 3 ? 24 : models.length <= 5 ? 18 : 12;
  const groupGap = 22;
  const groupWidth = models.length * barWidth + groupGap;
  const longest = Math.max(...groups.map((g) => textWidth(g, 11)));
  const rotate = longest > groupWidth - 4;
  const left = 56;
  const right = 20;
  const plotHeight = 260;
  const bottom = rotate ? Math.min(150, 24 + Math.ceil(longest * 0.45)) : 40;
  const plotWidth = Math.max(groups.length * groupWidth, 360);
  const width = Math.ceil(left + plotWidth + right);
  const key = legend(models.map((m) => ({ label: m, color: colors.get(m)! })), left, width - right);
  const top = 64 + (key.rows - 1) * LEGEND_ROW;
  const height = top + plotHeight + bottom;
  const y = (acc: number) => top + plotHeight * (1 - Math.min(1, Math.max(0, acc)));

  const desc =
    `Grouped bars: accuracy of ${models.join(', ')} on ${groups.length} groups (${groups.join(', ')}), approach ${approach}. ` +
    overall.map((o) => `${o.model} overall ${percent(o.accuracy)}`).join('; ');
  const out: string[] = [svgOpen(id, width, height, title, desc)];
  out.push(key.svg);
  // Y axis: gridlines every 20%.
  out.push('<g class="y-axis">');
  for (let t = 0; t <= 100; t += 20) {
    const yy = fixed(y(t / 100));
    out.push(`<line x1="${left}" y1="${yy}" x2="${fixed(left + plotWidth)}" y2="${yy}" stroke="${t === 0 ? '#999999' : GRID}" stroke-width="1"/>`);
    out.push(`<text x="${left - 6}" y="${fixed(y(t / 100) + 4)}" font-size="11" text-anchor="end" fill="${MUTED}">${t}%</text>`);
  }
  out.push(`<text transform="translate(14 ${fixed(top + plotHeight / 2)}) rotate(-90)" font-size="12" text-anchor="middle" fill="${MUTED}">accuracy</text>`);
  out.push('</g>\n');
  // Bars.
  const offset = (plotWidth - groups.length * groupWidth) / 2;
  groups.forEach((group, gi) => {
    const gx = left + offset + gi * groupWidth + groupGap / 2;
    out.push(`<g class="group" data-group="${escapeXml(group)}">`);
    if (group === OVERALL_GROUP && gi > 0) {
      const sx = fixed(gx - groupGap / 2);
      out.push(`<line x1="${sx}" y1="${top}" x2="${sx}" y2="${top + plotHeight}" stroke="#bbbbbb" stroke-dasharray="3 3"/>`);
    }
    models.forEach((model, mi) => {
      const v = value(group, model);
      if (!v) return;
      const x = gx + mi * barWidth;
      const yTop = y(v.accuracy);
      const h = top + plotHeight - yTop;
      const counts = v.correct !== undefined ? ` (${v.correct}/${v.n})` : ` (n=${v.n})`;
      const ci = v.ciLow !== undefined && v.ciHigh !== undefined ? `, 95% CI ${percent(v.ciLow)}–${percent(v.ciHigh)}` : '';
      out.push(
        `<rect class="bar" data-model="${escapeXml(model)}" x="${fixed(x + 1)}" y="${fixed(yTop)}" width="${fixed(barWidth - 2)}" height="${fixed(h)}" fill="${colors.get(model)!}">` +
          `<title>${escapeXml(`${model}, ${group}: ${percent(v.accuracy)}${counts}${ci}`)}</title></rect>`,
      );
      let labelY = yTop;
      if (v.ciLow !== undefined && v.ciHigh !== undefined) {
        const cx = x + barWidth / 2;
        const y1 = y(v.ciLow);
        const y2 = y(v.ciHigh);
        out.push(
          `<path class="ci" d="M${fixed(cx)} ${fixed(y1)}V${fixed(y2)}M${fixed(cx - 3)} ${fixed(y1)}H${fixed(cx + 3)}M${fixed(cx - 3)} ${fixed(y2)}H${fixed(cx + 3)}" stroke="#333333" stroke-width="1" fill="none"/>`,
        );
        labelY = Math.min(labelY, y2);
      }
      if (barWidth >= 18) {
        out.push(`<text x="${fixed(x + barWidth / 2)}" y="${fixed(labelY - 4)}" font-size="9" text-anchor="middle" fill="${INK}">${fixed(100 * v.accuracy, 0)}</text>`);
      }
    });
    const lx = gx + (models.length * barWidth) / 2;
    const ly = top + plotHeight + 16;
    out.push(
      rotate
        ? `<text transform="translate(${fixed(lx + 4)} ${fixed(ly - 4)}) rotate(-35)" font-size="11" text-anchor="end" fill="${INK}">${escapeXml(group)}</text>`
        : `<text x="${fixed(lx)}" y="${fixed(ly)}" font-size="11" text-anchor="middle" fill="${INK}">${escapeXml(group)}</text>`,
    );
    out.push('</g>\n');
  });
  out.push('</svg>\n');
  return out.join('');
}

export type ScatterMetric = 'latency' | 'cost';

interface ScatterPoint {
  model: string;
  approach: string;
  x: number;
  y: number;
  entry: ReportOverall;
}

const METRICS: Record<ScatterMetric, { title: string; axis: string; value: (o: ReportOverall) => number | undefined; format: (x: number) => string }> = {
  latency: {
    title: 'Accuracy vs latency (p50)',
    axis: 'latency p50 per request (s)',
    value: (o) => (o.latencyP50Ms === undefined ? undefined : o.latencyP50Ms / 1000),
    format: (x) => `${fixed(x, 2)} s`,
  },
  cost: {
    title: 'Accuracy vs cost per 1M tokens',
    axis: 'cost per 1M tokens (USD, input + output)',
    value: (o) => o.costPer1MTokens,
    format: (x) => `$${fixed(x, 3)}`,
  },
};

/** Scatter of overall accuracy against latency p50 or cost per 1M tokens: a point per model x approach. */
export function accuracyScatterChart(data: ReportData, metric: ScatterMetric, options: ChartOptions = {}): string {
  const spec = METRICS[metric];
  const id = options.id ?? `chart-${metric}`;
  const axes = reportAxes(data);
  const colors = modelColors(axes.models);
  const shapes = new Map(axes.approaches.map((a, i) => [a, SHAPES[i % SHAPES.length]!]));
  const points: ScatterPoint[] = [];
  for (const o of data.overall) {
    const x = spec.value(o);
    if (x === undefined || !Number.isFinite(x)) continue;
    points.push({ model: o.model, approach: o.approach, x, y: o.accuracy, entry: o });
  }
  if (points.length === 0) return emptyChart(id, spec.title, `no ${metric === 'latency' ? 'latency' : 'cost'} figures in the results`);

  const left = 56;
  const right = 124;
  const plotWidth = 360;
  const plotHeight = 260;
  const bottom = 48;
  const width = left + plotWidth + right;
  const models = axes.models.filter((m) => points.some((p) => p.model === m));
  const approaches = axes.approaches.filter((a) => points.some((p) => p.approach === a));
  const key = legend(
    [...models.map((m) => ({ label: m, color: colors.get(m)! })), ...approaches.map((a) => ({ label: a, color: '#555555', shape: shapes.get(a)! }))],
    left,
    width - 8,
  );
  const top = 64 + (key.rows - 1) * LEGEND_ROW;
  const height = top + plotHeight + bottom;
  const { ticks, decimals } = niceTicks(Math.max(...points.map((p) => p.x)));
  const xMax = ticks[ticks.length - 1]!;
  const sx = (x: number) => left + (plotWidth * x) / xMax;
  const sy = (acc: number) => top + plotHeight * (1 - Math.min(1, Math.max(0, acc)));

  const desc = `Scatter: ${spec.axis} on x, overall accuracy on y. ${points
    .map((p) => `${p.model} ${p.approach}: ${percent(p.y)} at ${spec.format(p.x)}`)
    .join('; ')}.`;
  const out: string[] = [svgOpen(id, width, height, spec.title, desc)];
  out.push(key.svg);
  out.push('<g class="axes">');
  for (let t = 0; t <= 100; t += 20) {
    const yy = fixed(sy(t / 100));
    out.push(`<line x1="${left}" y1="${yy}" x2="${left + plotWidth}" y2="${yy}" stroke="${t === 0 ? '#999999' : GRID}"/>`);
    out.push(`<text x="${left - 6}" y="${fixed(sy(t / 100) + 4)}" font-size="11" text-anchor="end" fill="${MUTED}">${t}%</text>`);
  }
  for (const t of ticks) {
    const xx = fixed(sx(t));
    out.push(`<line x1="${xx}" y1="${top}" x2="${xx}" y2="${top + plotHeight}" stroke="${t === 0 ? '#999999' : GRID}"/>`);
    out.push(`<text x="${xx}" y="${top + plotHeight + 16}" font-size="11" text-anchor="middle" fill="${MUTED}">${fixed(t, decimals)}</text>`);
  }
  out.push(`<text x="${fixed(left + plotWidth / 2)}" y="${top + plotHeight + 38}" font-size="12" text-anchor="middle" fill="${MUTED}">${escapeXml(spec.axis)}</text>`);
  out.push(`<text transform="translate(14 ${fixed(top + plotHeight / 2)}) rotate(-90)" font-size="12" text-anchor="middle" fill="${MUTED}">overall accuracy</text>`);
  out.push('</g>\n');
  // Points, then labels nudged apart vertically so they do not print over each other.
  const placed: { x: number; y: number }[] = [];
  const sorted = [...points].sort((a, b) => b.y - a.y || a.x - b.x || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0) || (a.approach < b.approach ? -1 : 1));
  for (const p of sorted) {
    const px = sx(p.x);
    const py = sy(p.y);
    const tip = `${p.model}, ${p.approach}: ${percent(p.y)} (n=${p.entry.n}) at ${spec.format(p.x)}`;
    out.push(
      `<g class="point" data-model="${escapeXml(p.model)}" data-approach="${escapeXml(p.approach)}">` +
        marker(shapes.get(p.approach)!, px, py, 6, colors.get(p.model)!, ' stroke="#ffffff" stroke-width="1"') +
        `<title>${escapeXml(tip)}</title></g>`,
    );
    let ly = py + 4;
    while (placed.some((q) => Math.abs(q.x - px) < 120 && Math.abs(q.y - ly) < 12)) ly += 12;
    placed.push({ x: px, y: ly });
    const label = `${p.model} · ${p.approach}`;
    const flip = px + 10 + textWidth(label, 11) > width - 4;
    out.push(`<text x="${fixed(flip ? px - 10 : px + 10)}" y="${fixed(ly)}" font-size="11"${flip ? ' text-anchor="end"' : ''} fill="${INK}">${escapeXml(label)}</text>`);
  }
  out.push('\n</svg>\n');
  return out.join('');
}

/** Every chart of the report, in page order. */
export function reportCharts(data: ReportData): { id: string; title: string; svg: string }[] {
  const axes = reportAxes(data);
  const charts = axes.approaches.map((a) => ({ id: `chart-accuracy-${safeId(a)}`, title: `Accuracy per category (${a})`, svg: categoryAccuracyChart(data, a) }));
  charts.push({ id: 'chart-latency', title: METRICS.latency.title, svg: accuracyScatterChart(data, 'latency') });
  charts.push({ id: 'chart-cost', title: METRICS.cost.title, svg: accuracyScatterChart(data, 'cost') });
  return charts;
}

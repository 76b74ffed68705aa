import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { accuracyScatterChart, categoryAccuracyChart, escapeXml, MODEL_COLORS, niceTicks, reportCharts } from '../../src/results/charts.js';
import { reportDataFromResults, reportDataFromSummary, wilsonInterval, type ReportData } from '../../src/results/report-data.js';
import { reportHtml } from '../../src/results/report-html.js';
import { escapeMarkdown, reportMarkdown } from '../../src/results/report-markdown.js';
import { runReportCommand } from '../../src/cli/report-command.js';
import { decodePng } from './png.js';

const CATEGORIES = ['live_irrelevance', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_relevance', 'live_simple'];
const MODELS = ['teacher', 'student-base', 'student'];
const APPROACHES = ['prompt', 'tool-config'];

/** A summary.json as src/steps/results.ts writes it (entries are score.json contents), deterministic. */
function syntheticSummary(): Record<string, unknown> {
  const base: Record<string, number> = { teacher: 0.86, 'student-base': 0.52, student: 0.78 };
  const models = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const model of MODELS) {
    for (const approach of APPROACHES) {
      const perCategory: Record<string, { n: number; correct: number; accuracy: number }> = {};
      let n = 0;
      let correct = 0;
      for (const [i, category] of CATEGORIES.entries()) {
        const size = [120, 410, 8, 12, 9, 130][i]!;
        const acc = Math.min(1, Math.max(0, base[model]! + (approach === 'tool-config' ? 0.04 : 0) + (rand() - 0.5) * 0.3));
        const c = Math.round(acc * size);
        perCategory[category] = { n: size, correct: c, accuracy: c / size };
        n += size;
        correct += c;
      }
      const latency = { teacher: 2400, 'student-base': 610, student: 680 }[model]! + (approach === 'prompt' ? 150 : 0);
      const price = { teacher: 2.5, 'student-base': 0.06, student: 0.06 }[model]!;
      const input = n * 900;
      const output = n * 60;
      models.push({
        model,
        approach,
        answerFormat: approach === 'prompt' ? 'json-list' : 'native',
        perCategory,
        overall: { n, correct, accuracy: correct / n },
        errorTypes: {},
        latencyMs: { p50: latency, p95: latency * 2.2 },
        tokens: { input, output },
        costUsd: ((input + output) / 1e6) * price,
      });
    }
  }
  return { experiment: 'nova-lite-bfcl-live', models };
}

const DATASET = {
  dataset: { version: 'v3', source: 'bfcl-eval 2025.6.16', contentHash: 'sha256:0123456789abcdef', total: 2251 },
  counts: Object.fromEntries(CATEGORIES.map((c, i) => [c, { all: [882, 1053, 16, 24, 18, 258][i]!, train: [441, 526, 8, 12, 9, 129][i]!, eval: [441, 527, 8, 12, 9, 129][i]! }])),
  totals: { all: 2251, train: 1125, eval: 1126 },
  paramsPerFunction: { functions: 6659, mean: 3.79, max: 28, distinct: { functions: 1400, mean: 3.5, max: 28 } },
  paramsPerFunctionByCategory: { live_simple: { functions: 258, mean: 3.1, max: 12 }, live_multiple: { functions: 4000, mean: 4.0, max: 28 } },
  functionsPerExample: { mean: 2.96, max: 37 },
  parameterTypes: { string: 9000, integer: 2000 },
  arrayItemTypes: { string: 300 },
  mixin: null,
  overlap: { functionSets: { train: 500, eval: 510, shared: 120 }, evalExamplesWithTrainFunctionSet: 230 },
  export: { records: 1125, accepted: 1120, rejected: 5, rejectedByRule: { 'too-long': 5 }, labelled: 0, bytes: 4_500_000 },
};

function syntheticData(): ReportData {
  return reportDataFromSummary(syntheticSummary(), 'x', DATASET);
}

const tmp: string[] = [];
afterAll(() => {
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fc-distill-report-'));
  tmp.push(dir);
  return dir;
}

describe('report data', () => {
  it('reads summary.json as the results step writes it, in display order, with Wilson intervals and cost per 1M tokens', async () => {
    const dir = tempDir();
    const summary = syntheticSummary();
    // Reverse the entries: the adapter orders them itself.
    (summary.models as unknown[]).reverse();
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
    writeFileSync(path.join(dir, 'dataset-report.json'), JSON.stringify(DATASET));
    const data = await reportDataFromResults(dir);
    expect(data.experiment).toEqual({ name: 'nova-lite-bfcl-live', datasetVersion: 'v3' });
    expect(data.overall.map((o) => `${o.model}/${o.approach}`)).toEqual(MODELS.flatMap((m) => APPROACHES.map((a) => `${m}/${a}`)));
    expect(data.rows).toHaveLength(MODELS.length * APPROACHES.length * CATEGORIES.length);
    const teacher = data.overall[0]!;
    expect(teacher.costPer1MTokens).toBeCloseTo(2.5, 9);
    expect(teacher.latencyP50Ms).toBe(2550);
    const ci = wilsonInterval(teacher.correct!, teacher.n)!;
    expect(teacher.ciLow).toBe(ci.low);
    expect(ci.low).toBeLessThan(teacher.accuracy);
    expect(ci.high).toBeGreaterThan(teacher.accuracy);
    expect(data.dataset?.totals).toEqual(DATASET.totals);
  });

  it('tolerates missing fields and reports a missing summary as bad input', async () => {
    const data = reportDataFromSummary({ models: [{ model: 'm', approach: 'prompt', perCategory: { a: { n: 0, correct: 0 } } }, { nothing: true }] }, 'fallback');
    expect(data.experiment.name).toBe('fallback');
    expect(data.overall).toEqual([{ model: 'm', approach: 'prompt', accuracy: 0, n: 0, correct: 0 }]);
    expect(data.rows).toEqual([{ model: 'm', approach: 'prompt', category: 'a', n: 0, correct: 0, accuracy: 0 }]);
    await expect(reportDataFromResults(tempDir())).rejects.toThrow(/summary\.json is missing/);
    // Charts and documents render without latency, cost or dataset.
    expect(accuracyScatterChart(data, 'latency')).toContain('no latency figures');
    expect(reportHtml(data)).toContain('</html>');
    expect(reportMarkdown(data)).toContain('# Results: fallback');
  });

  it('also reads the schema-versioned summary being introduced (experiment block, ci95, dataset, gitCommit, config)', () => {
    const count = (n: number, correct: number) => ({ n, correct, accuracy: correct / n, ci95: { low: 0.1, high: 0.9 } });
    const data = reportDataFromSummary(
      {
        schemaVersion: 1,
        experiment: { name: 'sweep', variant: 'sweep@mixin.fraction=0.2', matrix: { 'mixin.fraction': 0.2 }, key: 'k' },
        dataset: { source: 'bfcl-eval', version: 'v3', categories: ['live_simple'], contentHash: null },
        gitCommit: 'abc123',
        config: { description: 'a sweep' },
        steps: {},
        models: [{ model: 'student', approach: 'prompt', answerFormat: 'json-list', overall: count(4, 2), perCategory: { live_simple: count(4, 2) }, bfcl: {}, errorTypes: {}, latencyMs: { p50: null, p95: null }, tokens: { input: 0, output: 0 }, costUsd: 0 }],
      },
      'x',
    );
    expect(data.experiment).toEqual({ name: 'sweep@mixin.fraction=0.2', description: 'a sweep', datasetVersion: 'v3', gitCommit: 'abc123' });
    expect(data.rows[0]).toMatchObject({ category: 'live_simple', ciLow: 0.1, ciHigh: 0.9 });
    expect(data.overall[0]).not.toHaveProperty('latencyP50Ms');
    expect(data.overall[0]).not.toHaveProperty('costPer1MTokens');
  });
});

describe('charts', () => {
  it('draws a bar per model per category plus overall, in teacher / student-base / student order, with labels and a legend', () => {
    const data = syntheticData();
    const svg = categoryAccuracyChart(data, 'prompt');
    const bars = [...svg.matchAll(/<rect class="bar" data-model="([^"]+)"[^>]*fill="([^"]+)"/g)];
    expect(bars).toHaveLength(MODELS.length * (CATEGORIES.length + 1));
    expect(bars.slice(0, 3).map((b) => b[1])).toEqual(MODELS);
    for (const b of bars) expect(b[2]).toBe(MODEL_COLORS[b[1]!]);
    for (const c of [...CATEGORIES, 'overall']) expect(svg).toContain(`data-group="${c}"`);
    expect(svg).toMatch(/<svg [^>]*role="img" aria-labelledby="chart-accuracy-prompt-title chart-accuracy-prompt-desc"/);
    expect(svg).toContain('<title id="chart-accuracy-prompt-title">Accuracy per category (prompt)</title>');
    expect(svg.match(/<g class="legend">.*?<\/g>/)![0]).toMatch(/teacher.*student-base.*student/);
    expect(svg.match(/class="ci"/g)).toHaveLength(bars.length);
    expect(svg).toContain('>100%</text>');
    expect(svg).not.toMatch(/\d\.\d{2,}/); // coordinates have one decimal
  });

  it('draws a point per model x approach on each scatter, with nice axis ticks', () => {
    const data = syntheticData();
    const latency = accuracyScatterChart(data, 'latency');
    expect(latency.match(/<g class="point"/g)).toHaveLength(6);
    expect(latency).toContain('latency p50 per request (s)');
    expect(latency).toContain('teacher · tool-config');
    const cost = accuracyScatterChart(data, 'cost');
    expect(cost.match(/<g class="point"/g)).toHaveLength(6);
    expect(cost).toContain('cost per 1M tokens');
    expect(niceTicks(2.55).ticks).toEqual([0, 1, 2, 3]);
    expect(niceTicks(2.4).ticks).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(0.06).ticks.at(-1)).toBeCloseTo(0.06, 9);
    expect(reportCharts(data).map((c) => c.id)).toEqual(['chart-accuracy-prompt', 'chart-accuracy-tool-config', 'chart-latency', 'chart-cost']);
  });

  it('escapes every text it draws and is deterministic', () => {
    const evil = '<script>alert("x")</script>&\'';
    const data = reportDataFromSummary(
      {
        experiment: evil,
        models: [{ model: evil, approach: 'prompt', perCategory: { [evil]: { n: 2, correct: 1, accuracy: 0.5 } }, overall: { n: 2, correct: 1, accuracy: 0.5 }, latencyMs: { p50: 100 } }],
      },
      'x',
    );
    for (const text of [...reportCharts(data).map((c) => c.svg), reportHtml(data)]) {
      expect(text).not.toContain('<script>');
      expect(text).not.toContain('"x")');
    }
    expect(reportHtml(data)).toContain(escapeXml(evil));
    expect(reportMarkdown(data)).not.toMatch(/(^|[^\\])<script>/); // \< renders as a literal <
    expect(reportMarkdown(data)).toContain('\\<script>');
    expect(escapeMarkdown('_a_ live_simple a|b `c`')).toBe('\\_a\\_ live_simple a\\|b \\`c\\`');
    const a = syntheticData();
    expect(reportHtml(a)).toBe(reportHtml(syntheticData()));
    expect(reportMarkdown(a)).toBe(reportMarkdown(syntheticData()));
  });

  it('Markdown has the overall, per-category and dataset tables', () => {
    const md = reportMarkdown(syntheticData());
    expect(md).toContain('## Overall');
    expect(md).toMatch(/\| teacher \| prompt \| \d+\.\d% \| \d+\.\d%–\d+\.\d% \|/);
    expect(md).toContain('### prompt');
    expect(md).toContain('| category | n | teacher | student-base | student |');
    expect(md).toContain('| live_simple | 130 |');
    expect(md).toContain('content 0123456789ab');
    expect(md).toContain('## Dataset');
    expect(md).toContain('| **total** | **2,251** | **1,125** | **1,126** |');
    expect(md).toContain('- parameters per function: mean 3.79, max 28');
  });
});

/** Pixels within `tolerance` (per channel) of the colour `#rrggbb`. */
function countColour(png: ReturnType<typeof decodePng>, hex: string, tolerance = 6): { count: number; top: number; bottom: number } {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  let count = 0;
  let top = Infinity;
  let bottom = -1;
  for (let i = 0; i < png.width * png.height; i++) {
    const p = i * 4;
    if (Math.abs(png.pixels[p]! - r) <= tolerance && Math.abs(png.pixels[p + 1]! - g) <= tolerance && Math.abs(png.pixels[p + 2]! - b) <= tolerance) {
      count++;
      const y = Math.floor(i / png.width);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return { count, top, bottom };
}

describe('report in a browser', () => {
  it('the HTML report renders its charts in headless Chromium (screenshot is not blank)', { timeout: 180_000 }, async () => {
    const which = await execa('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { reject: false });
    const chromium = which.stdout.trim().split('\n')[0];
    if (!chromium) throw new Error("headless Chromium is needed for this test: install Debian's chromium package (apt-get install chromium; .ci/run does)");
    const dir = tempDir();
    const results = path.join(dir, 'results', 'nova-lite-bfcl-live');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(results, { recursive: true });
    writeFileSync(path.join(results, 'summary.json'), JSON.stringify(syntheticSummary(), null, 2));
    writeFileSync(path.join(results, 'dataset-report.json'), JSON.stringify(DATASET));
    const stdout = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runReportCommand(results, { format: 'both' });
    } finally {
      process.stdout.write = stdout;
    }
    const html = path.join(results, 'report.html');
    expect(existsSync(path.join(results, 'report.md'))).toBe(true);
    const png = path.join(dir, 'report.png');
    await execa(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${path.join(dir, 'chromium-profile')}`,
        `--screenshot=${png}`,
        '--window-size=1200,1600',
        `file://${html}`,
      ],
      { timeout: 120_000, reject: false, all: true },
    ).then((r) => {
      if (!existsSync(png)) throw new Error(`chromium wrote no screenshot (exit ${r.exitCode}):\n${r.all}`);
    });
    if (process.env.FC_DISTILL_KEEP_SCREENSHOT) {
      // For looking at it: the screenshot and the page beside it.
      writeFileSync(process.env.FC_DISTILL_KEEP_SCREENSHOT, readFileSync(png));
      writeFileSync(process.env.FC_DISTILL_KEEP_SCREENSHOT.replace(/\.png$/, '') + '.html', readFileSync(html));
      writeFileSync(process.env.FC_DISTILL_KEEP_SCREENSHOT.replace(/\.png$/, '') + '.md', readFileSync(path.join(results, 'report.md')));
    }
    const image = decodePng(readFileSync(png));
    expect(image.width).toBe(1200);
    expect(image.height).toBe(1600);
    let nonWhite = 0;
    for (let i = 0; i < image.width * image.height; i++) {
      const p = i * 4;
      if (image.pixels[p]! < 240 || image.pixels[p + 1]! < 240 || image.pixels[p + 2]! < 240) nonWhite++;
    }
    expect(nonWhite / (image.width * image.height)).toBeGreaterThan(0.03);
    // Each role's bar colour is drawn, as bars (tall runs of pixels), in the chart region at the top of the page.
    for (const model of MODELS) {
      const seen = countColour(image, MODEL_COLORS[model]!);
      expect(seen.count, `${model} bars (${MODEL_COLORS[model]})`).toBeGreaterThan(2000);
      expect(seen.bottom - seen.top, `${model} bars span`).toBeGreaterThan(100);
      expect(seen.top).toBeLessThan(800);
    }
  });
});

describe('report command', () => {
  it('reports every variant of an experiment file into results/<variant>/ (exit 0), and says what is missing (exit 2)', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { tempProject } = await import('../cli/helpers.js');
    const project = tempProject();
    tmp.push(project);
    const store = path.join(project, '.store');
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    let out = '';
    let err = '';
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    let missing: number;
    let ok: number;
    try {
      missing = await main(['report', path.join(project, 'experiments/nova-lite-bfcl-live.yaml'), '--project', project, '--store', store]);
      const results = path.join(project, 'results', 'nova-lite-bfcl-live');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(results, { recursive: true });
      writeFileSync(path.join(results, 'summary.json'), JSON.stringify(syntheticSummary()));
      ok = await main(['report', path.join(project, 'experiments/nova-lite-bfcl-live.yaml'), '--project', project, '--store', store, '--format', 'md']);
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    expect(missing, err).toBe(2);
    expect(err).toContain('results/nova-lite-bfcl-live/summary.json missing');
    expect(ok, err).toBe(0);
    const md = readFileSync(path.join(project, 'results', 'nova-lite-bfcl-live', 'report.md'), 'utf8');
    expect(md).toContain('Nova Premier -> Nova Lite distillation'); // the experiment's description
    expect(existsSync(path.join(project, 'results', 'nova-lite-bfcl-live', 'report.html'))).toBe(false);
    expect(out).toContain('report.md');
  });
});

import { reportAxes, type ReportData } from './report-data.js';
import { categoryTable, datasetCountsTable, datasetFacts, datasetParamsTable, experimentFacts, overallTable, type Table } from './report-tables.js';

/**
 * The report as GitHub-flavoured Markdown (report.md): experiment facts, overall accuracy per
 * model x approach with latency, tokens and cost, per-category accuracy with 95% intervals (a
 * table per approach), and the dataset report. Deterministic; no timestamps.
 */

/** Text safe inside Markdown (tables included): escapes what would start markup or break a cell. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([`*[\]|<#])/g, '\\$1')
    // Intraword underscores (live_simple) are no emphasis in GFM: only the others are escaped.
    .replace(/_/g, (u, i: number, t: string) => (/\w/.test(t[i - 1] ?? '') && /\w/.test(t[i + 1] ?? '') ? u : '\\_'))
    .replace(/^>/, '\\>')
    .replace(/\r?\n/g, ' ');
}

export function markdownTable(table: Table): string {
  const row = (cells: string[], strong = false) => `| ${cells.map((c) => (strong ? `**${escapeMarkdown(c)}**` : escapeMarkdown(c))).join(' | ')} |`;
  const rule = `|${table.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`;
  return [row(table.headers), rule, ...table.rows.map((r, i) => row(r, table.strong?.includes(i)))].join('\n') + '\n';
}

export function reportMarkdown(data: ReportData): string {
  const out: string[] = [];
  out.push(`# Results: ${escapeMarkdown(data.experiment.name)}\n`);
  if (data.experiment.description) out.push(`${escapeMarkdown(data.experiment.description)}\n`);
  out.push(experimentFacts(data).map(([k, v]) => `- ${escapeMarkdown(k)}: ${escapeMarkdown(v)}`).join('\n') + '\n');
  out.push('## Overall\n');
  if (data.overall.length === 0) out.push('No results.\n');
  else {
    out.push(markdownTable(overallTable(data)));
    out.push('Accuracy is the share of examples the BFCL AST checker accepts; the interval is a 95% Wilson score interval unless the results give one. Latency is per request; cost per 1M tokens is the run\'s cost over its input plus output tokens.\n');
  }
  const { approaches } = reportAxes(data);
  if (approaches.length) {
    out.push('## Accuracy per category\n');
    for (const approach of approaches) {
      out.push(`### ${escapeMarkdown(approach)}\n`);
      out.push(markdownTable(categoryTable(data, approach)));
    }
  }
  if (data.dataset) {
    out.push('## Dataset\n');
    const counts = datasetCountsTable(data.dataset);
    if (counts) out.push('Examples per category:\n', markdownTable(counts));
    const facts = datasetFacts(data.dataset);
    if (facts.length) out.push(facts.map(([k, v]) => `- ${escapeMarkdown(k)}: ${escapeMarkdown(v)}`).join('\n') + '\n');
    const params = datasetParamsTable(data.dataset);
    if (params) out.push('Parameters per function by category:\n', markdownTable(params));
  }
  return out.join('\n');
}

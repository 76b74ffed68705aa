import { escapeXml as escapeHtml, reportCharts } from './charts.js';
import { reportAxes, type ReportData } from './report-data.js';
import { categoryTable, datasetCountsTable, datasetFacts, datasetParamsTable, experimentFacts, overallTable, type Table } from './report-tables.js';

/**
 * The report as one self-contained HTML page (report.html): inline CSS, inline SVG charts, no
 * scripts, no external resources (a strict Content-Security-Policy says so). All text is
 * escaped. Deterministic; no timestamps.
 */

export { escapeHtml };

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: #ffffff; color: #222222;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.description { margin: 0 0 12px; color: #444444; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0 16px; }
dl.facts dt { color: #666666; }
dl.facts dd { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px; background: #ffffff; max-width: 100%; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
div.table { max-width: 100%; overflow-x: auto; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e3e3; text-align: left; white-space: nowrap; }
th { background: #f6f6f6; font-weight: 600; white-space: normal; vertical-align: bottom; }
td.num, th.num { text-align: right; }
tr.strong td { font-weight: 600; }
p.note { color: #666666; font-size: 12px; max-width: 60em; }
`;

function htmlTable(table: Table, caption?: string): string {
  const cls = (i: number) => (table.numeric[i] ? ' class="num"' : '');
  const head = `<tr>${table.headers.map((h, i) => `<th scope="col"${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((r, ri) => `<tr${table.strong?.includes(ri) ? ' class="strong"' : ''}>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table"><table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>\n`;
}

function facts(list: [string, string][]): string {
  return `<dl class="facts">\n${list.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>\n`;
}

export function reportHtml(data: ReportData): string {
  const title = `Results: ${data.experiment.name}`;
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">\n` +
      '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
      `<title>${escapeHtml(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n`,
  );
  out.push(`<h1>${escapeHtml(title)}</h1>\n`);
  if (data.experiment.description) out.push(`<p class="description">${escapeHtml(data.experiment.description)}</p>\n`);
  out.push(facts(experimentFacts(data)));

  const charts = reportCharts(data);
  const accuracyCharts = charts.filter((c) => c.id.startsWith('chart-accuracy-'));
  const otherCharts = charts.filter((c) => !c.id.startsWith('chart-accuracy-'));
  out.push('<section id="accuracy">\n<h2>Accuracy per category</h2>\n<div class="charts">\n');
  for (const c of accuracyCharts) out.push(`<figure>\n${c.svg}</figure>\n`);
  out.push('</div>\n');
  for (const approach of reportAxes(data).approaches) {
    out.push(`<h3>${escapeHtml(approach)}</h3>\n`, htmlTable(categoryTable(data, approach)));
  }
  out.push('</section>\n');

  out.push('<section id="overall">\n<h2>Overall: accuracy, latency and cost</h2>\n<div class="charts">\n');
  for (const c of otherCharts) out.push(`<figure>\n${c.svg}</figure>\n`);
  out.push('</div>\n');
  if (data.overall.length) out.push(htmlTable(overallTable(data)));
  out.push(
    '<p class="note">Accuracy is the share of examples the BFCL AST checker accepts; intervals are 95% Wilson score intervals unless the results give their own. ' +
      "Latency is per request; cost per 1M tokens is the run's cost over its input plus output tokens.</p>\n</section>\n",
  );

  if (data.dataset) {
    out.push('<section id="dataset">\n<h2>Dataset</h2>\n');
    const counts = datasetCountsTable(data.dataset);
    if (counts) out.push('<h3>Examples per category</h3>\n', htmlTable(counts));
    const list = datasetFacts(data.dataset);
    if (list.length) out.push(facts(list));
    const params = datasetParamsTable(data.dataset);
    if (params) out.push('<h3>Parameters per function by category</h3>\n', htmlTable(params));
    out.push('</section>\n');
  }
  out.push('</body>\n</html>\n');
  return out.join('');
}

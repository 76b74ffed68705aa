import { describe, expect, it } from 'vitest';
import { formatReport, runConformance } from '../../../src/cli/conformance.js';
import { CONFORMANCE, HAVE_CONFORMANCE } from './paths.js';

describe.runIf(HAVE_CONFORMANCE)('conformance with the official BFCL score files and tables', () => {
  it('has zero disagreements on every run, model and category', async () => {
    const report = await runConformance(CONFORMANCE);
    const text = formatReport(report);
    expect(report.categories.length, text).toBe(33); // 3 model runs x 11 categories with data
    expect(report.entriesCompared).toBe(3 * (2251 + 1240));
    expect(report.csv.reduce((n, c) => n + c.cellsCompared, 0)).toBeGreaterThan(100);
    expect(report.disagreements, text).toBe(0);
  });
});

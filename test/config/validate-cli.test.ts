import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerValidate } from '../../src/cli/validate.js';

const projectDir = fileURLToPath(new URL('../fixtures/config-project/', import.meta.url));
const good = 'test/fixtures/good-configs';
const bad = 'test/fixtures/bad-configs';

/** Runs `fc-distill validate ...args` in-process; returns the exit code and what was printed. */
async function validate(args: string[], env: Record<string, string | undefined> = {}) {
  const program = new Command('fc-distill').exitOverride();
  registerValidate(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    process.exitCode = undefined;
    await program.parseAsync(['validate', '--project', projectDir, ...args], { from: 'user' });
    return { code: (process.exitCode as number | undefined) ?? 0, stdout, stderr };
  } finally {
    process.exitCode = undefined;
    out.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const UNSET = { FC_REGION: undefined, FC_DISTILL_ROLE_ARN: undefined, FC_DISTILL_BUCKET: undefined, QWEN_MODEL: undefined };

afterEach(() => {
  process.exitCode = undefined;
});

describe('fc-distill validate', () => {
  it('prints OK with the variant names', async () => {
    const r = await validate([`${good}/minimal.yaml`, `${good}/sweep.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('OK test/fixtures/good-configs/minimal.yaml: minimal\n');
    expect(r.stdout).toContain('OK test/fixtures/good-configs/sweep.yaml: 6 variants: nova-sweep@mixin.fraction=0,student.base=amazon.nova-lite-v1_0_300k~2f81e95b,');
  });

  it('warns about unset variables, naming them and what to export, and exits 0', async () => {
    const r = await validate([`${good}/full.yaml`], UNSET);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'test/fixtures/good-configs/full.yaml:23:9: warning: distillation.role uses ${env:FC_DISTILL_ROLE_ARN}, which is not set: export FC_DISTILL_ROLE_ARN=... before running',
    );
    expect(r.stdout).toContain('OK test/fixtures/good-configs/full.yaml: full.v2 (5 warnings)');
  });

  it('--strict turns unset variables into errors: exit 2', async () => {
    const r = await validate(['--strict', `${good}/full.yaml`], UNSET);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/good-configs/full.yaml:5:9: error: region uses ${env:FC_REGION}, which is not set');
    expect(r.stderr).toContain('FAIL test/fixtures/good-configs/full.yaml: 5 errors');
  });

  it('--strict passes when every variable is set', async () => {
    const r = await validate(['--strict', `${good}/full.yaml`], {
      FC_REGION: 'us-east-1',
      FC_DISTILL_ROLE_ARN: 'arn:aws:iam::123456789012:role/distill',
      FC_DISTILL_BUCKET: 'my-bucket',
      QWEN_MODEL: 'qwen',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('OK test/fixtures/good-configs/full.yaml: full.v2\n');
  });

  it('prints errors as file:line:col and exits 2, still checking the other files', async () => {
    const r = await validate([`${bad}/typo-key.yaml`, `${good}/minimal.yaml`, `${bad}/unsupported-pair.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("test/fixtures/bad-configs/typo-key.yaml:4:1: error: unknown key 'mixn' at the top level; did you mean 'mixin'?\n");
    expect(r.stderr).toContain('test/fixtures/bad-configs/unsupported-pair.yaml:5:10: error: unsupported distillation pair:');
    expect(r.stderr).toContain('FAIL test/fixtures/bad-configs/typo-key.yaml: 1 error\n');
    expect(r.stdout).toContain('OK test/fixtures/good-configs/minimal.yaml: minimal');
  });

  it('--json reports files, variants, unresolved variables, warnings and errors', async () => {
    const r = await validate(['--json', `${good}/full.yaml`, `${bad}/split-sum.yaml`], { ...UNSET, FC_REGION: 'us-east-1' });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      files: { file: string; ok: boolean; variants: { name: string; unresolved: { path: string; variable: string }[] }[]; warnings: unknown[]; errors: unknown[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.files[0]).toMatchObject({ file: 'test/fixtures/good-configs/full.yaml', ok: true, errors: [] });
    expect(report.files[0]!.variants[0]!.unresolved.map((u) => u.variable)).toEqual(['FC_DISTILL_ROLE_ARN', 'FC_DISTILL_BUCKET', 'FC_DISTILL_BUCKET', 'QWEN_MODEL']);
    expect(report.files[1]).toMatchObject({
      file: 'test/fixtures/bad-configs/split-sum.yaml',
      ok: false,
      errors: [{ file: 'test/fixtures/bad-configs/split-sum.yaml', line: 6, col: 9, message: expect.stringContaining('split.train + split.eval = 0.7 + 0.5 = 1.2') }],
    });
  });

  it('a file that does not exist is an error with exit code 2', async () => {
    const r = await validate(['test/fixtures/no-such-experiment.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/no-such-experiment.yaml: error: cannot read experiment file: no such file');
  });

  it('prints warnings for ignored settings and Legacy teachers', async () => {
    const r = await validate([`${good}/warnings.yaml`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("test/fixtures/good-configs/warnings.yaml:7:3: warning: dataset.url is ignored: it is only used with source 'gorilla'");
    expect(r.stdout).toContain('test/fixtures/good-configs/warnings.yaml:4:19: warning: teacher meta.llama3-1-405b-instruct-v1:0: Llama 3.1 405B (meta.llama3-1-405b-instruct-v1:0) is Legacy since 2026-07-07');
    const strict = await validate(['--strict', `${good}/warnings.yaml`]);
    expect(strict.code).toBe(2);
  });
});

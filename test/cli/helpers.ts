import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root; tests run the built CLI (npm test builds first). */
export const repoRoot = resolve(import.meta.dirname, '../..');
export const cliPath = join(repoRoot, 'dist/cli/bin.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fc-distill ...args` in `cwd` with a clean AWS environment unless given. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, CI: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.startsWith('FC_DISTILL_ROLE') || name === 'FC_DISTILL_BUCKET') delete env[name];
  // No shared config files either: HOME points at an empty folder.
  env.HOME = mkdtempSync(join(tmpdir(), 'fc-home-'));
  Object.assign(env, options.env);
  return new Promise((done) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A throwaway project: the committed experiments and templates copied into a temp folder, with its own store. */
export function tempProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fc-project-'));
  cpSync(join(repoRoot, 'experiments'), join(dir, 'experiments'), { recursive: true });
  cpSync(join(repoRoot, 'templates'), join(dir, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'results'), { recursive: true });
  return dir;
}

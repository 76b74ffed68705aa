import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/**
 * The project-local Python virtual environment (`.venv` beside package.json, or
 * $FC_DISTILL_VENV). Packages are pinned in `python/*.txt` requirement files with hashes.
 * Each requirement file is installed into its own `--target` folder (`.venv/pkgs/<name>`),
 * so two bfcl-eval releases (v3 data and v4 data) live side by side without a resolver fight.
 */

/** The fc-distill installation root (where package.json, python/ and templates/ are). */
export const packageRoot = resolve(fileURLToPath(import.meta.url), '../../..');

export function venvDir(): string {
  return resolve(process.env.FC_DISTILL_VENV ?? join(packageRoot, '.venv'));
}

export function venvPython(): string {
  return join(venvDir(), 'bin', 'python');
}

/** Serialises installs across processes (vitest workers, parallel CLI runs) with an atomic mkdir lock. */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(venvDir() + '.locks', name);
  await mkdir(join(venvDir() + '.locks'), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock older than 15 minutes belongs to a process that died mid-install.
      const s = await stat(lock).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > 15 * 60_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Written after `python -m venv` has finished: bin/python exists long before pip does, so
 * its presence alone would let a parallel process go on to a pip that is not there yet.
 */
function venvReadyMarker(): string {
  return join(venvDir(), '.fc-distill-ready');
}

export async function ensureVenv(): Promise<string> {
  const python = venvPython();
  if (existsSync(venvReadyMarker())) return python;
  return withLock('venv', async () => {
    if (existsSync(venvReadyMarker())) return python;
    process.stderr.write(`fc-distill: creating Python virtual environment in ${venvDir()} (one time)\n`);
    const base = process.env.FC_DISTILL_PYTHON ?? 'python3';
    const { execa } = await import('execa');
    try {
      // --clear: a half-made venv from a killed process is started over.
      await execa(base, ['-m', 'venv', '--clear', venvDir()]);
    } catch (error) {
      throw new InputError(
        `could not create a Python virtual environment with '${base} -m venv ${venvDir()}': ${(error as Error).message.split('\n')[0]}. ` +
          `Install Python 3.11 with the venv module (Debian: apt-get install python3-venv), or point FC_DISTILL_PYTHON at one.`,
      );
    }
    await writeFile(venvReadyMarker(), new Date().toISOString() + '\n');
    return python;
  });
}

/**
 * Installs the pinned requirement file `python/<name>.txt` into `.venv/pkgs/<name>` (once)
 * and returns that folder, to be put on PYTHONPATH or read directly.
 * `deps: true` installs dependencies too (into the same target).
 */
export async function ensureRequirements(name: string, options: { deps?: boolean } = {}): Promise<string> {
  const target = join(venvDir(), 'pkgs', name);
  const done = join(target, '.fc-distill-installed');
  if (existsSync(done)) return target;
  const python = await ensureVenv();
  return withLock(`pkgs-${name}`, async () => {
    if (existsSync(done)) return target;
    const requirements = join(packageRoot, 'python', `${name}.txt`);
    process.stderr.write(`fc-distill: installing ${name} (pinned in python/${name}.txt) into ${target} (one time)\n`);
    await rm(target, { recursive: true, force: true });
    const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, '-r', requirements];
    if (!options.deps) args.push('--no-deps');
    const { execa } = await import('execa');
    try {
      await execa(python, args);
    } catch (error) {
      throw new InputError(
        `pip could not install python/${name}.txt into ${target}: ${(error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') ?? (error as Error).message}. ` +
          `Check that PyPI is reachable (or a pip index is configured), then rerun.`,
      );
    }
    await writeFile(done, new Date().toISOString() + '\n');
    return target;
  });
}

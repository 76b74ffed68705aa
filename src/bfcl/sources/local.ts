import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { dataFile, mapLimit, type DataFile } from './source.js';

/**
 * Source `local`: BFCL-format files in a directory laid out like BFCL's `bfcl_eval/data/`
 * (`BFCL_<v>_<category>.json` and `possible_answer/BFCL_<v>_<category>.json`). Nothing is
 * verified against pinned sums: the files are hashed, and their sums go into the keys.
 */
export async function readLocalFiles(dir: string, names: readonly string[]): Promise<DataFile[]> {
  // Every read settles before anything is reported, so that with several files missing the
  // error names the first in order (the question file before its answers), not whichever
  // read happened to fail first.
  const settled = await mapLimit(names, 8, (name) => readLocalFile(dir, name).then((file) => ({ file }), (error: unknown) => ({ error })));
  const failed = settled.find((r): r is { error: unknown } => 'error' in r);
  if (failed) throw failed.error;
  return settled.map((r) => (r as { file: DataFile }).file);
}

async function readLocalFile(dir: string, name: string): Promise<DataFile> {
  const path = join(dir, name);
  try {
    return dataFile(name, await readFile(path), path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new InputError(`cannot read ${path}: ${(error as Error).message}`, { file: path });
    const present = await readdir(join(path, '..')).catch(() => undefined);
    const hint = present
      ? `it has ${present.filter((f) => f.endsWith('.json')).slice(0, 12).join(', ') || 'no .json files'}`
      : 'that folder does not exist';
    throw new InputError(
      `the local dataset has no ${name} (looked for ${path}; ${hint}). ` +
        `Point dataset.path at a folder laid out like bfcl_eval/data (question files plus possible_answer/), or remove the category.`,
      { file: path },
    );
  }
}

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
  return mapLimit(names, 8, async (name) => {
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
  });
}

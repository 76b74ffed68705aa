import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { ensureRequirements } from '../../python/venv.js';
import { PINNED_BFCL_DATA } from '../data-sums.js';
import type { BfclVersion } from '../records.js';
import { dataFile, mapLimit, pinnedMismatch, type DataFile } from './source.js';

/**
 * Source `bfcl-eval`: the pinned bfcl-eval release from PyPI (python/bfcl-eval-<version>.txt),
 * pip-installed once into the project's virtual environment; its data files are checked
 * against the committed sums, so a damaged or different installation is refused.
 */
export async function readBfclEvalFiles(version: BfclVersion, names: readonly string[]): Promise<DataFile[]> {
  const pin = PINNED_BFCL_DATA[version];
  const folder = await ensureRequirements(pin.bfclEval.requirement);
  const dataDir = join(folder, 'bfcl_eval', 'data');
  const todo = `The installation is damaged or is not bfcl-eval ${pin.bfclEval.release}: delete ${folder} and rerun to reinstall it.`;
  const files = await mapLimit(names, 8, async (name) => {
    const path = join(dataDir, name);
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`bfcl-eval ${pin.bfclEval.release} has no data file ${name} (${error.code ?? error.message}). ${todo}`, {
        file: path,
      });
    });
    return dataFile(name, bytes, path);
  });
  const errors: InputError[] = [];
  for (const file of files) {
    const expected = pin.files[file.name];
    if (!expected) throw new Error(`internal: ${file.name} is not in the pinned ${version} sums table`);
    const mismatch = pinnedMismatch(file, expected, `bfcl-eval ${pin.bfclEval.release} data (gorilla ${pin.commit.slice(0, 8)})`, todo);
    if (mismatch) errors.push(mismatch);
  }
  if (errors[0]) throw new InputError(errors[0].message, errors[0].position, errors.slice(1));
  return files;
}

import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './errors.js';

/**
 * Writes `text` to `file` through a hidden temporary file beside it and a rename, so that a
 * reader, or a crash, never sees half a file.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** `value` as indented JSON, written atomically (state records read back by a rerun). */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The JSON in `file`, or undefined when there is no such file; invalid JSON is an InputError naming it. */
export async function readJsonIfPresent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`, { file });
  }
}

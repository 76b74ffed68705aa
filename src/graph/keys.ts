import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import canonicalizeModule from 'canonicalize';
import type { JsonObject } from '../json.js';

/**
 * Content keys. A step's key is the SHA-256 of the RFC 8785 canonical JSON of everything
 * that decides its output, so the same key means the same result on any machine.
 */

type Serialize = (input: unknown) => string | undefined;
// canonicalize is CommonJS (`module.exports = fn`) with an ESM-style `export default` in its
// typings: Node hands us the function itself, a bundler may hand us `{ default: fn }`.
const canonicalizeExport = canonicalizeModule as unknown as Serialize | { default: Serialize };
const serialize: Serialize = typeof canonicalizeExport === 'function' ? canonicalizeExport : canonicalizeExport.default;

/** What a step's key is computed from. Paths in `files` are project-relative, so keys do not depend on where the project lives. */
export interface KeyMaterial {
  kind: string;
  version: number;
  params: JsonObject;
  /** role -> key of the input artifact */
  inputs: Record<string, string>;
  /** project-relative path -> sha256 of its content */
  files: Record<string, string>;
}

/** RFC 8785 canonical JSON (sorted keys, no whitespace, canonical numbers). Properties whose value is undefined are left out. */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Full (64 hex) SHA-256 of the canonical JSON of `{kind, version, params, inputs, files}`. */
export function stepKey(material: KeyMaterial): string {
  return sha256Hex(
    canonicalJson({
      kind: material.kind,
      version: material.version,
      params: material.params,
      inputs: material.inputs,
      files: material.files,
    }),
  );
}

/** How keys are printed: the first 12 hex digits. */
export function shortKey(key: string): string {
  return key.slice(0, 12);
}

export const KEY_PATTERN = /^[0-9a-f]{64}$/;

export function isKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** Streams a file through SHA-256 (no caching). */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

interface CachedDigest {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: Promise<string>;
}

/** In-process cache: absolute path -> digest, valid while (size, mtime, inode) are unchanged. */
const fileHashCache = new Map<string, CachedDigest>();

/**
 * SHA-256 (hex) of a file's content, streamed. Cached in-process by (path, size, mtimeMs, inode),
 * so resolving the same plan twice in one process reads each template or dataset file once.
 */
export async function hashFile(path: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute);
  if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
  const cached = fileHashCache.get(absolute);
  if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs && cached.ino === info.ino) {
    return cached.sha256;
  }
  const entry: CachedDigest = {
    size: info.size,
    mtimeMs: info.mtimeMs,
    ino: info.ino,
    sha256: digestFile(absolute).then(async (d) => {
      // Changed while we read it: the digest is of a mix, so do not keep it.
      const after = await stat(absolute);
      if (after.size !== info.size || after.mtimeMs !== info.mtimeMs || after.ino !== info.ino) {
        if (fileHashCache.get(absolute) === entry) fileHashCache.delete(absolute);
      }
      return d.sha256;
    }),
  };
  fileHashCache.set(absolute, entry);
  entry.sha256.catch(() => {
    if (fileHashCache.get(absolute) === entry) fileHashCache.delete(absolute);
  });
  return entry.sha256;
}

/** Forgets cached file hashes (tests, long-lived processes). */
export function clearFileHashCache(): void {
  fileHashCache.clear();
}

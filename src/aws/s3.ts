import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { InputError } from '../errors.js';
import { awsCall, isNotFound } from './errors.js';
import { digestFile } from '../graph/keys.js';

/** S3 helpers: s3:// URIs, content-addressed uploads, listing and downloading a prefix. */

export interface S3Location {
  bucket: string;
  /** Without leading or trailing slash; '' for the bucket root. */
  prefix: string;
}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri.trim());
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]!)) {
    throw new InputError(`'${uri}' is not an S3 URI of the form s3://bucket/prefix (bucket names: 3-63 lowercase letters, digits, '.', '-')`);
  }
  return { bucket: match[1]!, prefix: match[2]!.replace(/^\/+|\/+$/g, '') };
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function joinKey(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

/** The file's SHA-256 and size (the store's own streaming digest). */
export const sha256File = digestFile;

/** Metadata key (x-amz-meta-fc-distill-sha256) holding the content hash of an uploaded object. */
export const CHECKSUM_METADATA = 'fc-distill-sha256';

/** Above this size uploads go multipart (lib-storage Upload); FC_DISTILL_MULTIPART_BYTES overrides. */
export function multipartThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.FC_DISTILL_MULTIPART_BYTES);
  return Number.isInteger(n) && n >= 5 * 1024 * 1024 ? n : 64 * 1024 * 1024;
}

export interface UploadResult {
  s3Uri: string;
  bucket: string;
  key: string;
  sha256: string;
  bytes: number;
  /** True when an object with the same checksum was already there. */
  skipped: boolean;
  multipart: boolean;
}

export async function checkBucket(client: S3Client, bucket: string, step: string): Promise<void> {
  await awsCall({ step, action: 's3:HeadBucket (s3:ListBucket)', resource: bucket, permissionHint: `s3:ListBucket on arn:aws:s3:::${bucket}` }, () =>
    client.send(new HeadBucketCommand({ Bucket: bucket })),
  );
}

/**
 * Uploads `file` to `<prefix>/data/<sha256>/<name>`, unless an object is there already
 * whose checksum metadata matches (then nothing is sent). Multipart above the threshold.
 */
export async function uploadContentAddressed(
  client: S3Client,
  options: { file: string; location: S3Location; name: string; step: string; signal?: AbortSignal; partSize?: number; threshold?: number },
): Promise<UploadResult> {
  const { sha256, bytes } = await sha256File(options.file);
  const { bucket } = options.location;
  const key = joinKey(options.location.prefix, 'data', sha256, options.name);
  const context = { step: options.step, resource: s3Uri(bucket, key) };
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal }).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (head && head.Metadata?.[CHECKSUM_METADATA] === sha256 && head.ContentLength === bytes) {
    return { s3Uri: s3Uri(bucket, key), bucket, key, sha256, bytes, skipped: true, multipart: false };
  }
  const threshold = options.threshold ?? multipartThreshold();
  const multipart = bytes > threshold;
  const metadata = { [CHECKSUM_METADATA]: sha256 };
  if (multipart) {
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: createReadStream(options.file), Metadata: metadata, ContentType: 'application/jsonl' },
      // At least 2 parts above the threshold, at most 10,000 (S3's limit), 5 MiB minimum.
      partSize: options.partSize ?? Math.max(5 * 1024 * 1024, Math.ceil(bytes / 9_000), Math.min(16 * 1024 * 1024, Math.ceil(bytes / 2))),
      queueSize: 4,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await awsCall({ ...context, action: 's3:PutObject (multipart)', permissionHint: `s3:PutObject on arn:aws:s3:::${bucket}/*` }, () => upload.done());
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  } else {
    await awsCall({ ...context, action: 's3:PutObject', permissionHint: `s3:PutObject on arn:aws:s3:::${bucket}/*` }, () =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(options.file), ContentLength: bytes, Metadata: metadata, ContentType: 'application/jsonl' }),
        { abortSignal: options.signal },
      ),
    );
  }
  return { s3Uri: s3Uri(bucket, key), bucket, key, sha256, bytes, skipped: false, multipart };
}

export interface ListedObject {
  key: string;
  bytes: number;
}

export async function listPrefix(client: S3Client, location: S3Location, step: string, signal?: AbortSignal): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  const prefix = location.prefix ? `${location.prefix}/` : '';
  do {
    const page = await awsCall({ step, action: 's3:ListObjectsV2', resource: s3Uri(location.bucket, prefix), permissionHint: `s3:ListBucket on arn:aws:s3:::${location.bucket}` }, () =>
      client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal }),
    );
    for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, bytes: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Downloads every object under `location` into `dir`, keeping paths relative to the prefix. */
export async function downloadPrefix(client: S3Client, location: S3Location, dir: string, step: string, signal?: AbortSignal): Promise<{ path: string; bytes: number }[]> {
  const objects = await listPrefix(client, location, step, signal);
  const prefix = location.prefix ? `${location.prefix}/` : '';
  const files: { path: string; bytes: number }[] = [];
  for (const object of objects) {
    const rel = object.key.slice(prefix.length);
    if (!rel || rel.split('/').some((part) => part === '..' || part === '.' || part === '')) continue;
    const target = join(dir, ...rel.split('/'));
    await mkdir(dirname(target), { recursive: true });
    const response = await awsCall({ step, action: 's3:GetObject', resource: s3Uri(location.bucket, object.key), permissionHint: `s3:GetObject on arn:aws:s3:::${location.bucket}/*` }, () =>
      client.send(new GetObjectCommand({ Bucket: location.bucket, Key: object.key }), { abortSignal: signal }),
    );
    await pipeline(response.Body as Readable, createWriteStream(target));
    files.push({ path: rel, bytes: (await stat(target)).size });
  }
  return files;
}

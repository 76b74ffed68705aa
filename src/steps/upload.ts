import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepContext, StepKind } from '../graph/step.js';
import type { JsonObject } from '../json.js';
import { preflightCloudStep } from '../aws/preflight.js';

/**
 * upload: the exported training JSONL -> S3 under a content-addressed key
 * `<prefix>/data/<sha256>/train.jsonl`. HeadObject first: an object with the same checksum
 * metadata is not sent again. Multipart (lib-storage) above FC_DISTILL_MULTIPART_BYTES
 * (default 64 MiB).
 *
 * Input `export` (train.bedrock.jsonl). Params: `s3` (s3://bucket/prefix), `region`.
 * Writes `upload.json` {s3Uri, bucket, key, sha256, bytes, skipped, multipart}.
 */

export interface UploadParams extends JsonObject {
  s3: string;
  region: string;
}

export const uploadStep: StepKind<UploadParams> = {
  kind: 'upload',
  version: 1,
  description: 'upload the exported JSONL to S3 under a content-addressed key',
  remote: true,
  async run(ctx: StepContext<UploadParams>) {
    const exported = ctx.inputs.export;
    if (!exported) throw new Error(`step '${ctx.stepId}' needs input 'export'`);
    await preflightCloudStep({ step: ctx.stepId, region: ctx.params.region, s3: ctx.params.s3 });
    const { s3Client } = await import('../aws/clients.js');
    const { checkBucket, parseS3Uri, uploadContentAddressed } = await import('../aws/s3.js');
    const location = parseS3Uri(ctx.params.s3);
    const client = s3Client(ctx.params.region);
    try {
      await checkBucket(client, location.bucket, ctx.stepId);
      const result = await uploadContentAddressed(client, {
        file: join(exported.dir, 'train.bedrock.jsonl'),
        location,
        name: 'train.jsonl',
        step: ctx.stepId,
        signal: ctx.signal,
      });
      await writeFile(join(ctx.outDir, 'upload.json'), `${JSON.stringify(result, null, 2)}\n`);
      ctx.log(`${result.skipped ? 'already in S3 (same sha256), not sent again' : `uploaded ${result.bytes} bytes${result.multipart ? ' (multipart)' : ''}`}: ${result.s3Uri}`);
      return {
        summary: { s3Uri: result.s3Uri, sha256: result.sha256, bytes: result.bytes, skipped: result.skipped },
        display: [`training data: ${result.s3Uri}${result.skipped ? ' (already there)' : ''}`],
      };
    } finally {
      client.destroy();
    }
  },
};

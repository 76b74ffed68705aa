import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * A local stand-in for the Bedrock control plane (REST/JSON, the routes and response shapes
 * of @aws-sdk/client-bedrock's models; errors carry `x-amzn-errortype`). Point the SDK at it
 * with AWS_ENDPOINT_URL_BEDROCK=fake.url.
 *
 * - Customization jobs advance one stage per GetModelCustomizationJob (validation ->
 *   dataProcessing -> training -> Completed) and, when complete, write plausible output
 *   files into S3 (moto) under the job's output prefix.
 * - clientRequestToken: a repeated token returns what the first request created (no new job
 *   or deployment), even after a deployment was deleted, as an idempotent retry would; a new
 *   token with an existing name is a ConflictException.
 * - ARNs carry `accountId` (give the account of the test's environment, so a scan of what the
 *   code wrote finds any ARN it kept).
 * - Faults: throttling (429), 5xx, slow responses, expired credentials (403), a job that
 *   fails in validation, a deployment that fails, Legacy models.
 * - `counts` counts requests per operation; `created` counts resources really created.
 */

export interface FakeBedrockOptions {
  /** moto endpoint, for the job's output files. */
  s3Endpoint?: string;
  accountId?: string;
  region?: string;
  /** GetModelCustomizationJob calls per stage (default 1). */
  getsPerStage?: number;
}

interface Job {
  jobArn: string;
  jobName: string;
  token?: string;
  request: Record<string, unknown>;
  stage: number;
  gets: number;
  status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  failureMessage?: string;
  creationTime: string;
  lastModifiedTime: string;
  endTime?: string;
  outputModelArn?: string;
  customModelName: string;
}

interface Deployment {
  kind: 'deployment' | 'provisioned';
  arn: string;
  name: string;
  token?: string;
  modelArn: string;
  status: string;
  gets: number;
  createdAt: string;
  modelUnits?: number;
  commitment?: string;
  failureMessage?: string;
}

type Fault = { op?: string; remaining: number; kind: 'throttle' | 'error500' | 'slow' | 'denied'; ms?: number };

export class FakeBedrock {
  url = '';
  readonly accountId: string;
  readonly region: string;
  readonly counts: Record<string, number> = {};
  readonly created = { jobs: 0, deployments: 0, provisioned: 0 };
  readonly requests: { op: string; body: unknown }[] = [];
  readonly jobs = new Map<string, Job>();
  readonly deployments = new Map<string, Deployment>();
  /** Every clientRequestToken seen by a create -> the ARN it created (kept after deletes). */
  readonly tokens = new Map<string, string>();
  /** modelId -> lifecycle status (default ACTIVE). */
  readonly lifecycle: Record<string, string> = {};
  expiredToken = false;
  /** Jobs created from now on fail in validation with this message. */
  jobFailure: string | undefined;
  /** Deployments created from now on fail. */
  deploymentFailure: string | undefined;
  getsPerStage: number;
  /** Get*Deployment / Get*Throughput calls a new deployment stays Creating for (default 2). */
  getsToReady = 2;
  private faults: Fault[] = [];
  private server?: Server;
  private s3?: S3Client;

  constructor(private readonly options: FakeBedrockOptions = {}) {
    this.accountId = options.accountId ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.getsPerStage = options.getsPerStage ?? 1;
    if (options.s3Endpoint) {
      this.s3 = new S3Client({
        region: this.region,
        endpoint: options.s3Endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'fake-bedrock', secretAccessKey: 'fake-bedrock' },
      });
    }
  }

  throttle(count: number, op?: string): void {
    this.faults.push({ kind: 'throttle', remaining: count, op });
  }
  serverError(count: number, op?: string): void {
    this.faults.push({ kind: 'error500', remaining: count, op });
  }
  /** 403 AccessDeniedException, as IAM answers a missing permission (e.g. iam:PassRole on the role). */
  deny(count: number, op?: string): void {
    this.faults.push({ kind: 'denied', remaining: count, op });
  }
  slow(count: number, ms: number, op?: string): void {
    this.faults.push({ kind: 'slow', remaining: count, ms, op });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.error(res, 500, 'InternalServerException', String((error as Error)?.stack ?? error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.s3?.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private arn(type: string, id: string): string {
    return `arn:aws:bedrock:${this.region}:${this.accountId}:${type}/${id}`;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomBytes(8).toString('hex'), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private error(res: ServerResponse, status: number, type: string, message: string): void {
    const text = JSON.stringify({ message });
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  private route(method: string, parts: string[]): { op: string; id?: string } | undefined {
    const [a, b, c, d] = parts;
    if (a === 'model-customization-jobs') {
      if (!b) return { op: method === 'POST' ? 'CreateModelCustomizationJob' : 'ListModelCustomizationJobs' };
      if (c === 'stop' && method === 'POST') return { op: 'StopModelCustomizationJob', id: b };
      if (!c && method === 'GET') return { op: 'GetModelCustomizationJob', id: b };
    }
    if (a === 'foundation-models' && b && method === 'GET') return { op: 'GetFoundationModel', id: b };
    if (a === 'inference-profiles' && b && method === 'GET') return { op: 'GetInferenceProfile', id: b };
    if (a === 'custom-models' && b && method === 'GET') return { op: 'GetCustomModel', id: b };
    if (a === 'model-customization' && b === 'custom-model-deployments') {
      if (!c) return { op: method === 'POST' ? 'CreateCustomModelDeployment' : 'ListCustomModelDeployments' };
      if (!d && method === 'GET') return { op: 'GetCustomModelDeployment', id: c };
      if (!d && method === 'DELETE') return { op: 'DeleteCustomModelDeployment', id: c };
    }
    if (a === 'provisioned-model-throughputs' && !b && method === 'GET') return { op: 'ListProvisionedModelThroughputs' };
    if (a === 'provisioned-model-throughput') {
      if (!b && method === 'POST') return { op: 'CreateProvisionedModelThroughput' };
      if (b && method === 'GET') return { op: 'GetProvisionedModelThroughput', id: b };
      if (b && method === 'DELETE') return { op: 'DeleteProvisionedModelThroughput', id: b };
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    const route = this.route(req.method ?? 'GET', parts);
    if (!route) return this.error(res, 404, 'UnknownOperationException', `no route for ${req.method} ${url.pathname}`);
    const { op, id } = route;
    this.counts[op] = (this.counts[op] ?? 0) + 1;
    const body = req.method === 'POST' || req.method === 'PUT' ? await this.body(req) : {};
    this.requests.push({ op, body });

    if (!/Credential=[^/]+\//.test(req.headers.authorization ?? '')) return this.error(res, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    if (this.expiredToken) return this.error(res, 403, 'ExpiredTokenException', 'The security token included in the request is expired');
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.op || f.op === op));
    if (fault) {
      fault.remaining--;
      if (fault.kind === 'throttle') return this.error(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
      if (fault.kind === 'error500') return this.error(res, 500, 'InternalServerException', 'Internal server error');
      if (fault.kind === 'denied') return this.error(res, 403, 'AccessDeniedException', 'User is not authorized to perform: iam:PassRole');
      await new Promise((r) => setTimeout(r, fault.ms ?? 1000));
      if (res.destroyed) return;
    }

    switch (op) {
      case 'CreateModelCustomizationJob':
        return this.createJob(res, body);
      case 'GetModelCustomizationJob': {
        const job = this.findJob(id!);
        if (!job) return this.error(res, 404, 'ResourceNotFoundException', `Could not find job ${id}`);
        // Shows the current state, then moves on: the first Get after a create sees validation InProgress.
        const view = this.jobView(job);
        await this.advance(job);
        return this.send(res, 200, view);
      }
      case 'ListModelCustomizationJobs': {
        const nameContains = url.searchParams.get('nameContains') ?? '';
        const summaries = [...this.jobs.values()]
          .filter((j) => j.jobName.includes(nameContains))
          .map((j) => ({
            jobArn: j.jobArn,
            jobName: j.jobName,
            baseModelArn: this.arn('foundation-model', String(j.request.baseModelIdentifier)).replace(`:${this.accountId}:`, '::'),
            status: j.status,
            creationTime: j.creationTime,
            lastModifiedTime: j.lastModifiedTime,
            statusDetails: this.statusDetails(j),
            customizationType: 'DISTILLATION',
            ...(j.outputModelArn ? { customModelArn: j.outputModelArn, customModelName: j.customModelName } : {}),
          }));
        return this.send(res, 200, { modelCustomizationJobSummaries: summaries });
      }
      case 'StopModelCustomizationJob': {
        const job = this.findJob(id!);
        if (!job) return this.error(res, 404, 'ResourceNotFoundException', `Could not find job ${id}`);
        if (job.status !== 'InProgress') return this.error(res, 400, 'ValidationException', `Job ${job.jobName} is ${job.status}`);
        job.status = 'Stopping';
        return this.send(res, 200, {});
      }
      case 'GetFoundationModel': {
        const status = this.lifecycle[id!] ?? 'ACTIVE';
        return this.send(res, 200, {
          modelDetails: {
            modelArn: `arn:aws:bedrock:${this.region}::foundation-model/${id}`,
            modelId: id,
            modelName: id,
            providerName: id!.split('.')[0],
            inputModalities: ['TEXT'],
            outputModalities: ['TEXT'],
            customizationsSupported: ['DISTILLATION'],
            inferenceTypesSupported: ['ON_DEMAND'],
            modelLifecycle: { status, ...(status === 'LEGACY' ? { legacyTime: '2026-01-01T00:00:00Z' } : {}) },
          },
        });
      }
      case 'GetCustomModel': {
        const job = [...this.jobs.values()].find((j) => j.outputModelArn === id || j.customModelName === id);
        if (!job) return this.error(res, 404, 'ResourceNotFoundException', `Could not find model ${id}`);
        return this.send(res, 200, {
          modelArn: job.outputModelArn,
          modelName: job.customModelName,
          creationTime: job.endTime,
          jobName: job.jobName,
          jobArn: job.jobArn,
          baseModelArn: `arn:aws:bedrock:${this.region}::foundation-model/${String(job.request.baseModelIdentifier)}`,
          customizationType: 'DISTILLATION',
          outputDataConfig: job.request.outputDataConfig,
          modelStatus: 'Active',
        });
      }
      case 'CreateCustomModelDeployment':
      case 'CreateProvisionedModelThroughput':
        return this.createDeployment(res, op, body);
      case 'ListCustomModelDeployments': {
        const nameContains = url.searchParams.get('nameContains') ?? '';
        const summaries = [...this.deployments.values()]
          .filter((d) => d.kind === 'deployment' && d.name.includes(nameContains))
          .map((d) => ({ customModelDeploymentArn: d.arn, customModelDeploymentName: d.name, modelArn: d.modelArn, createdAt: d.createdAt, status: d.status, lastUpdatedAt: d.createdAt }));
        return this.send(res, 200, { modelDeploymentSummaries: summaries });
      }
      case 'ListProvisionedModelThroughputs': {
        const nameContains = url.searchParams.get('nameContains') ?? '';
        const summaries = [...this.deployments.values()]
          .filter((d) => d.kind === 'provisioned' && d.name.includes(nameContains))
          .map((d) => ({
            provisionedModelName: d.name,
            provisionedModelArn: d.arn,
            modelArn: d.modelArn,
            desiredModelArn: d.modelArn,
            foundationModelArn: `arn:aws:bedrock:${this.region}::foundation-model/meta.llama3-2-3b-instruct-v1:0:128k`,
            modelUnits: d.modelUnits,
            desiredModelUnits: d.modelUnits,
            status: d.status,
            creationTime: d.createdAt,
            lastModifiedTime: d.createdAt,
            ...(d.commitment ? { commitmentDuration: d.commitment } : {}),
          }));
        return this.send(res, 200, { provisionedModelSummaries: summaries });
      }
      case 'GetCustomModelDeployment':
      case 'GetProvisionedModelThroughput': {
        const d = this.findDeployment(id!, op === 'GetCustomModelDeployment' ? 'deployment' : 'provisioned');
        if (!d) return this.error(res, 404, 'ResourceNotFoundException', `Could not find ${id}`);
        d.gets++;
        if (d.status === 'Creating' && d.gets >= this.getsToReady) {
          if (d.failureMessage) d.status = 'Failed';
          else d.status = d.kind === 'deployment' ? 'Active' : 'InService';
        }
        if (d.kind === 'deployment') {
          return this.send(res, 200, {
            customModelDeploymentArn: d.arn,
            modelDeploymentName: d.name,
            modelArn: d.modelArn,
            createdAt: d.createdAt,
            status: d.status,
            lastUpdatedAt: d.createdAt,
            ...(d.status === 'Failed' ? { failureMessage: d.failureMessage } : {}),
          });
        }
        return this.send(res, 200, {
          modelUnits: d.modelUnits,
          desiredModelUnits: d.modelUnits,
          provisionedModelName: d.name,
          provisionedModelArn: d.arn,
          modelArn: d.modelArn,
          desiredModelArn: d.modelArn,
          foundationModelArn: `arn:aws:bedrock:${this.region}::foundation-model/meta.llama3-2-3b-instruct-v1:0:128k`,
          status: d.status,
          creationTime: d.createdAt,
          lastModifiedTime: d.createdAt,
          ...(d.commitment ? { commitmentDuration: d.commitment } : {}),
          ...(d.status === 'Failed' ? { failureMessage: d.failureMessage } : {}),
        });
      }
      case 'DeleteCustomModelDeployment':
      case 'DeleteProvisionedModelThroughput': {
        const d = this.findDeployment(id!, op === 'DeleteCustomModelDeployment' ? 'deployment' : 'provisioned');
        if (!d) return this.error(res, 404, 'ResourceNotFoundException', `Could not find ${id}`);
        this.deployments.delete(d.arn);
        return this.send(res, 200, {});
      }
      default:
        return this.error(res, 400, 'ValidationException', `${op} is not implemented by the fake`);
    }
  }

  private findJob(id: string): Job | undefined {
    return this.jobs.get(id) ?? [...this.jobs.values()].find((j) => j.jobName === id);
  }

  private findDeployment(id: string, kind: Deployment['kind']): Deployment | undefined {
    const d = this.deployments.get(id) ?? [...this.deployments.values()].find((x) => x.name === id);
    return d?.kind === kind ? d : undefined;
  }

  private createJob(res: ServerResponse, body: Record<string, unknown>): void {
    const name = String(body.jobName ?? '');
    const token = body.clientRequestToken as string | undefined;
    for (const field of ['jobName', 'customModelName', 'roleArn', 'baseModelIdentifier', 'trainingDataConfig', 'outputDataConfig']) {
      if (body[field] === undefined) return this.error(res, 400, 'ValidationException', `1 validation error detected: '${field}' must not be null`);
    }
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9+\-.])*$/.test(name) || name.length > 63) return this.error(res, 400, 'ValidationException', `jobName '${name}' is invalid`);
    const filters = (body.trainingDataConfig as { invocationLogsConfig?: { requestMetadataFilters?: Record<string, unknown> } }).invocationLogsConfig?.requestMetadataFilters;
    if (filters) {
      const maps = [filters.equals, filters.notEquals, ...((filters.andAll ?? filters.orAll ?? []) as Record<string, unknown>[]).flatMap((f) => [f.equals, f.notEquals])];
      if (maps.some((m) => m && Object.keys(m as object).length !== 1)) {
        return this.error(res, 400, 'ValidationException', 'requestMetadataFilters: equals/notEquals must have exactly one entry');
      }
    }
    const retried = token ? this.tokens.get(token) : undefined;
    if (retried) return this.send(res, 201, { jobArn: retried });
    if ([...this.jobs.values()].some((j) => j.jobName === name)) return this.error(res, 409, 'ConflictException', `A job with name ${name} already exists`);
    const id = randomBytes(6).toString('hex');
    const now = new Date().toISOString();
    const job: Job = {
      jobArn: this.arn('model-customization-job', `${String(body.baseModelIdentifier).replace(/:/g, '-')}/${id}`),
      jobName: name,
      token,
      request: body,
      stage: 0,
      gets: 0,
      status: 'InProgress',
      creationTime: now,
      lastModifiedTime: now,
      customModelName: String(body.customModelName),
      ...(this.jobFailure ? { failureMessage: this.jobFailure } : {}),
    };
    this.jobs.set(job.jobArn, job);
    if (token) this.tokens.set(token, job.jobArn);
    this.created.jobs++;
    return this.send(res, 201, { jobArn: job.jobArn });
  }

  private createDeployment(res: ServerResponse, op: string, body: Record<string, unknown>): void {
    const kind = op === 'CreateCustomModelDeployment' ? 'deployment' : 'provisioned';
    const name = String(kind === 'deployment' ? body.modelDeploymentName : body.provisionedModelName);
    const token = body.clientRequestToken as string | undefined;
    const arnField = kind === 'deployment' ? 'customModelDeploymentArn' : 'provisionedModelArn';
    // An idempotent retry: the first request's resource, even when it has been deleted since.
    const retried = token ? this.tokens.get(token) : undefined;
    if (retried) return this.send(res, kind === 'deployment' ? 202 : 201, { [arnField]: retried });
    if ([...this.deployments.values()].some((d) => d.kind === kind && d.name === name)) return this.error(res, 409, 'ConflictException', `${name} already exists`);
    const modelArn = String(kind === 'deployment' ? body.modelArn : body.modelId);
    const id = randomBytes(6).toString('hex');
    const d: Deployment = {
      kind,
      arn: this.arn(kind === 'deployment' ? 'custom-model-deployment' : 'provisioned-model', id),
      name,
      token,
      modelArn,
      status: 'Creating',
      gets: 0,
      createdAt: new Date().toISOString(),
      ...(kind === 'provisioned' ? { modelUnits: Number(body.modelUnits), commitment: body.commitmentDuration as string | undefined } : {}),
      ...(this.deploymentFailure ? { failureMessage: this.deploymentFailure } : {}),
    };
    this.deployments.set(d.arn, d);
    if (token) this.tokens.set(token, d.arn);
    if (kind === 'deployment') this.created.deployments++;
    else this.created.provisioned++;
    return this.send(res, kind === 'deployment' ? 202 : 201, { [arnField]: d.arn });
  }

  private statusDetails(job: Job) {
    const stageStatus = (i: number) => {
      if (job.status === 'Failed' && job.stage === i) return 'Failed';
      if (job.status === 'Stopped' && job.stage === i) return 'Stopped';
      if (job.stage > i || job.status === 'Completed') return 'Completed';
      if (job.stage === i && job.status === 'InProgress') return 'InProgress';
      return 'NotStarted';
    };
    const at = { creationTime: job.creationTime, lastModifiedTime: job.lastModifiedTime };
    return {
      validationDetails: { status: stageStatus(0), ...at },
      dataProcessingDetails: { status: stageStatus(1), ...at },
      trainingDetails: { status: stageStatus(2), ...at },
    };
  }

  private jobView(job: Job) {
    const r = job.request;
    return {
      jobArn: job.jobArn,
      jobName: job.jobName,
      outputModelName: job.customModelName,
      ...(job.outputModelArn ? { outputModelArn: job.outputModelArn } : {}),
      clientRequestToken: job.token,
      roleArn: r.roleArn,
      status: job.status,
      statusDetails: this.statusDetails(job),
      ...(job.failureMessage && job.status === 'Failed' ? { failureMessage: job.failureMessage } : {}),
      creationTime: job.creationTime,
      lastModifiedTime: job.lastModifiedTime,
      ...(job.endTime ? { endTime: job.endTime } : {}),
      baseModelArn: `arn:aws:bedrock:${this.region}::foundation-model/${String(r.baseModelIdentifier)}`,
      hyperParameters: {},
      trainingDataConfig: r.trainingDataConfig,
      validationDataConfig: { validators: [] },
      outputDataConfig: r.outputDataConfig,
      customizationType: 'DISTILLATION',
      customizationConfig: r.customizationConfig,
      ...(job.status === 'Completed' ? { trainingMetrics: { trainingLoss: 0.4213 }, validationMetrics: [{ validationLoss: 0.5127 }] } : {}),
    };
  }

  /** One stage per `getsPerStage` Gets; writes the output files when the job completes. */
  private async advance(job: Job): Promise<void> {
    if (job.status === 'Stopping') {
      job.status = 'Stopped';
      job.endTime = new Date().toISOString();
      return;
    }
    if (job.status !== 'InProgress') return;
    job.gets++;
    if (job.gets < this.getsPerStage) return;
    job.gets = 0;
    job.lastModifiedTime = new Date().toISOString();
    if (job.failureMessage && job.stage === 0) {
      job.status = 'Failed';
      job.endTime = job.lastModifiedTime;
      return;
    }
    if (job.stage < 2) {
      job.stage++;
      return;
    }
    await this.writeOutputs(job);
    job.status = 'Completed';
    job.endTime = job.lastModifiedTime;
    job.outputModelArn = this.arn('custom-model', `${String(job.request.baseModelIdentifier)}/${randomBytes(6).toString('hex')}`);
  }

  private async writeOutputs(job: Job): Promise<void> {
    if (!this.s3) return;
    const uri = String((job.request.outputDataConfig as { s3Uri: string }).s3Uri);
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri)!;
    const bucket = match[1]!;
    const base = `${match[2]!.replace(/\/+$/, '')}/model-customization-job-${job.jobArn.split('/').pop()}`;
    const files: Record<string, string> = {
      'training_artifacts/step_wise_training_metrics.csv': 'step_number,epoch_number,training_loss,perplexity\n1,0,1.20,3.32\n2,0,0.81,2.25\n3,1,0.42,1.52\n',
      'validation_artifacts/post_fine_tuning_validation/validation_metrics.csv': 'step_number,epoch_number,validation_loss,perplexity\n3,1,0.51,1.67\n',
      'distillation_artifacts/synthetic_data_samples.jsonl': Array.from({ length: 3 }, (_, i) =>
        JSON.stringify({ schemaVersion: 'bedrock-conversation-2024', messages: [{ role: 'user', content: [{ text: `q${i}` }] }, { role: 'assistant', content: [{ text: `a${i}` }] }] }),
      ).join('\n'),
      'distillation_artifacts/prompt_insights.jsonl': [
        { promptId: 1, status: 'ACCEPTED' },
        { promptId: 2, status: 'ACCEPTED' },
        { promptId: 3, status: 'REJECTED', reason: 'Prompt exceeds the maximum input length' },
        { promptId: 4, status: 'REJECTED', reason: 'Teacher response was empty' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
      'manifest.json': JSON.stringify({ jobArn: job.jobArn, files: 4 }),
    };
    for (const [rel, body] of Object.entries(files)) {
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}/${rel}`, Body: body }));
    }
  }
}

export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  return new FakeBedrock(options).start();
}

import { InputError } from '../errors.js';
import type { PlannedStep } from './step.js';
import type { JsonObject } from '../json.js';
import type { ExperimentVariant } from '../config/load.js';
import type { EvalModel } from '../config/experiment.types.js';
import { PRICES_AS_OF, readPriceOverrides } from '../models/prices.js';
import { describeInference, inferenceFamily, resolveInference, type InferenceFamily, type InferenceLayer, type NamedLayer, type ResolvedInference } from '../models/decoding.js';

/**
 * The evaluation half of a plan: for each evaluate.models x evaluate.approaches an `infer` and
 * a `score` step (`infer.<model>.<approach>`, `score.<model>.<approach>`), and one `results`
 * step collecting every score into results/<variant>/.
 *
 * Models: `teacher` (teacher.provider / teacher.model), `student-base` (Bedrock, the student's
 * base model id without its context-length suffix: `amazon.nova-lite-v1:0:300k` is invoked as
 * `amazon.nova-lite-v1:0`), `student` (the distilled model: only when a deploy step exists; its
 * model id comes from the deploy artifact, priced as its base model), baselines by name.
 * The prompt approach reads the render step's eval prompts; tool-config reads only the split
 * (so a template edit does not re-run tool-config inference).
 *
 * Infer params hold what is asked (model, approach, the resolved decoding settings) and what
 * the artifact records (prices); everything about how the requests are sent goes into the
 * step's settings, which are not part of its key (concurrency, rate caps, timeout, attempts,
 * and the experiment/variant name used as a request tag). So a sweep's variants share the
 * inference of models that do not change between them (teacher, student-base), and changing a
 * rate limit never re-sends a request.
 */

export interface EvaluationRefs {
  split: string;
  /** The load (or filter) step: the results step records the data version and content hash from it. */
  dataset?: string;
  render: string;
  deploy?: string;
}

export function invocableModelId(baseModelId: string): string {
  return baseModelId.replace(/:\d+k$/, '');
}

export const INFER_STEP_PREFIX = 'infer.';

/** Ids of the infer steps of a plan (the control plane's teardown runs after them). */
export function inferStepIds(steps: readonly PlannedStep[]): string[] {
  return steps.filter((s) => s.kind === 'infer').map((s) => s.id);
}

interface ModelPlan {
  label: string;
  provider: string;
  modelId: string | null;
  /** The OpenAI-compatible server, as configured (provider openai). */
  baseUrl?: string;
  priceModel?: string;
  deployment?: string;
  configPath: string;
  paths: string[];
  /** The model's own inference settings and where they are in the experiment file. */
  inference?: NamedLayer;
}

function modelPlan(variant: ExperimentVariant, model: EvalModel, index: number, refs: EvaluationRefs): ModelPlan | null {
  const exp = variant.experiment;
  const configPath = `evaluate.models.${index}`;
  if (typeof model === 'object') {
    return {
      label: model.name,
      provider: model.provider,
      modelId: model.model,
      ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}),
      configPath,
      paths: [configPath],
      inference: { source: `${configPath}.inference`, layer: model.inference },
    };
  }
  switch (model) {
    case 'teacher': {
      if (!exp.teacher) throw new InputError(`evaluate.models lists 'teacher' but the experiment has no teacher`, variant.positionOf(configPath));
      return {
        label: 'teacher',
        provider: exp.teacher.provider,
        modelId: exp.teacher.model,
        ...(exp.teacher.baseUrl ? { baseUrl: exp.teacher.baseUrl } : {}),
        configPath,
        paths: ['teacher'],
        inference: { source: 'teacher.inference', layer: exp.teacher.inference },
      };
    }
    case 'student-base':
      return {
        label: 'student-base',
        provider: exp.student.provider,
        modelId: invocableModelId(exp.student.base),
        configPath,
        paths: ['student'],
        inference: { source: 'student.inference', layer: exp.student.inference },
      };
    case 'student':
      if (!refs.deploy) return null;
      return {
        label: 'student',
        provider: 'bedrock',
        modelId: null,
        priceModel: invocableModelId(exp.student.base),
        deployment: refs.deploy,
        configPath,
        paths: ['student'],
        inference: { source: 'student.inference', layer: exp.student.inference },
      };
  }
  return null;
}

/**
 * The decoding settings a model is sent with: the per-family table under the experiment's
 * evaluate.inference, evaluate.families.<family> and the model's own inference (decoding.ts).
 * The distilled student (a deployment ARN, unknown at plan time) has its base model's family.
 */
export function modelInference(variant: ExperimentVariant, plan: Pick<ModelPlan, 'provider' | 'modelId' | 'priceModel' | 'inference'>): ResolvedInference {
  const evaluate = variant.experiment.evaluate;
  const family: InferenceFamily = inferenceFamily(plan.provider, plan.modelId ?? plan.priceModel ?? null);
  const layers: NamedLayer[] = [
    { source: 'evaluate.inference', layer: evaluate?.inference as InferenceLayer | undefined },
    { source: `evaluate.families.${family}`, layer: evaluate?.families?.[family] as InferenceLayer | undefined },
    ...(plan.inference ? [{ source: plan.inference.source, layer: plan.inference.layer as InferenceLayer | undefined }] : []),
  ];
  return resolveInference(family, layers);
}

/** The base URL an openai-provider step sends to: as configured, else $OPENAI_BASE_URL, else OpenAI's; no trailing slash. */
export function openAIBaseUrl(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return (configured || env.OPENAI_BASE_URL || 'https://api.openai.com/v1').replace(/\/+$/, '');
}

export function planEvaluation(variant: ExperimentVariant, refs: EvaluationRefs, options: { projectDir?: string } = {}): PlannedStep[] {
  const exp = variant.experiment;
  const evaluate = exp.evaluate;
  if (!evaluate) return [];
  const prices = options.projectDir ? readPriceOverrides(options.projectDir) : {};
  const steps: PlannedStep[] = [];
  const scores: Record<string, string> = {};
  const unresolvedFor = (paths: string[]) => variant.unresolved.filter((u) => paths.some((p) => u.path === p || u.path.startsWith(`${p}.`)));
  evaluate.models.forEach((model, index) => {
    const plan = modelPlan(variant, model, index, refs);
    if (!plan) return;
    for (const approach of evaluate.approaches) {
      const inferId = `${INFER_STEP_PREFIX}${plan.label}.${approach}`;
      const resolved = modelInference(variant, plan);
      const params: JsonObject = {
        model: plan.label,
        provider: plan.provider,
        modelId: plan.modelId,
        approach,
        family: resolved.family,
        inference: resolved.settings as unknown as JsonObject,
        region: plan.provider === 'bedrock' ? exp.region : null,
        pricesAsOf: PRICES_AS_OF,
      };
      // Another server under the same model name is another model: its URL is in the key (and
      // so in the journal's request identity). The environment's default is read now, at plan
      // time, so that changing OPENAI_BASE_URL shows in `plan` as a re-keyed step.
      if (plan.provider === 'openai') params.baseUrl = openAIBaseUrl(plan.baseUrl);
      // How the requests are sent, not what is asked: not part of the key (see PlannedStep.settings).
      const settings: JsonObject = { experiment: variant.name };
      for (const name of ['concurrency', 'requestsPerMinute', 'tokensPerMinute', 'timeoutMs', 'maxAttempts'] as const) {
        if (evaluate[name] !== undefined) settings[name] = evaluate[name];
      }
      if (plan.priceModel) params.priceModel = plan.priceModel;
      const relevantPrices = Object.fromEntries(
        Object.entries(prices).filter(([k]) => {
          const id = plan.priceModel ?? plan.modelId ?? '';
          return k === id || (k.endsWith('*') && id.startsWith(k.slice(0, -1)));
        }),
      );
      if (Object.keys(relevantPrices).length) params.prices = relevantPrices as unknown as JsonObject;
      const inputs: Record<string, string> = { examples: refs.split };
      if (approach === 'prompt') inputs.prompts = refs.render;
      if (plan.deployment) inputs.deployment = plan.deployment;
      const unresolved = unresolvedFor([...plan.paths, ...(plan.provider === 'bedrock' ? ['region'] : [])]);
      steps.push({
        id: inferId,
        kind: 'infer',
        params,
        settings,
        details: [describeInference(resolved)],
        inputs,
        files: [],
        configPath: plan.configPath,
        ...(unresolved.length ? { unresolved } : {}),
      });
      const scoreId = `score.${plan.label}.${approach}`;
      steps.push({
        id: scoreId,
        kind: 'score',
        params: { model: plan.label, approach, answerFormat: approach === 'prompt' ? exp.prompt.answerFormat : 'native' },
        inputs: { responses: inferId, examples: refs.split },
        files: [],
        configPath: 'evaluate',
      });
      scores[scoreId] = scoreId;
    }
  });
  if (Object.keys(scores).length) {
    // The resolved config goes into the summary (so `diff` can compare configs): results are
    // cheap to recompute, so a config change re-collecting them is fine.
    const params: JsonObject = { experiment: variant.name, name: exp.name, matrix: (variant.matrix ?? null) as JsonObject | null, config: variant.portable as unknown as JsonObject };
    const inputs: Record<string, string> = { ...scores, ...(refs.dataset ? { dataset: refs.dataset } : {}) };
    steps.push({ id: 'results', kind: 'results', params, inputs, files: [], configPath: 'evaluate' });
  }
  return steps;
}

import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { SourcePosition } from '../errors.js';
import { checkDistillationPair } from '../models/bedrock-pairs.js';
import type { Experiment } from './experiment.types.js';
import { quote, type ConfigProblem, type PathSegments } from './problems.js';

/**
 * Checks the schema cannot express: they run on a schema-valid experiment with defaults
 * applied and aliases normalised.
 */

export interface CheckContext {
  projectDir: string;
  /** Where a key or value is written (the nearest written ancestor for defaults). */
  locate: (segments: PathSegments, part?: 'key' | 'value') => SourcePosition;
  /** True if the value at the path was written in a file (not a default). */
  isWritten: (segments: PathSegments) => boolean;
  /** Dotted paths holding an unset `${env:NAME}`: checks needing their value are skipped. */
  unresolvedPaths: ReadonlySet<string>;
}

export interface CheckResult {
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

const EPSILON = 1e-9;

export function checkExperiment(exp: Experiment, ctx: CheckContext): CheckResult {
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const error = (segments: PathSegments, message: string, part: 'key' | 'value' = 'value') => errors.push({ message, position: ctx.locate(segments, part) });
  const warn = (segments: PathSegments, message: string, part: 'key' | 'value' = 'value') => warnings.push({ message, position: ctx.locate(segments, part) });
  const unresolved = (path: string) => ctx.unresolvedPaths.has(path);

  // split: the two shares must fit in the data.
  const { train, eval: evalShare } = exp.split;
  if (train + evalShare > 1 + EPSILON) {
    error(
      ['split', ctx.isWritten(['split', 'eval']) ? 'eval' : 'train'],
      `split.train + split.eval = ${train} + ${evalShare} = ${round(train + evalShare)}, more than 1: the two shares must add up to at most 1 (eval at most ${round(1 - train)} with train ${train})`,
    );
  }

  // dataset: categories and what refers to them.
  const categories = exp.dataset.categories;
  categories.forEach((c, i) => {
    const first = categories.indexOf(c);
    if (first !== i) {
      error(['dataset', 'categories', i], `dataset.categories lists ${quote(c)} twice (items ${first + 1} and ${i + 1}; 'simple_python' is the same category as 'simple')`);
    }
  });
  for (const key of Object.keys(exp.dataset.expectedCounts ?? {})) {
    if (!categories.includes(key as (typeof categories)[number])) {
      error(
        ['dataset', 'expectedCounts', key],
        `dataset.expectedCounts gives a count for ${quote(key)}, which is not among dataset.categories (${categories.join(', ')}): add the category or remove the count`,
        'key',
      );
    }
  }
  (exp.filter?.categories ?? []).forEach((c, i) => {
    if (!categories.includes(c)) {
      error(['filter', 'categories', i], `filter.categories keeps ${quote(c)}, which is not among dataset.categories (${categories.join(', ')}): the filter would keep nothing of it`);
    }
  });
  if (exp.dataset.source !== 'local' && exp.dataset.path !== undefined) {
    warn(['dataset', 'path'], `dataset.path is ignored: it is only used with source 'local' (source is ${quote(exp.dataset.source)})`, 'key');
  }
  if (exp.dataset.source !== 'gorilla' && exp.dataset.url !== undefined) {
    warn(['dataset', 'url'], `dataset.url is ignored: it is only used with source 'gorilla' (source is ${quote(exp.dataset.source)})`, 'key');
  }
  if (exp.dataset.source === 'local' && exp.dataset.path !== undefined && !unresolved('dataset.path')) {
    const dir = resolve(ctx.projectDir, exp.dataset.path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      error(['dataset', 'path'], `dataset.path ${quote(exp.dataset.path)} is not a directory (looked for ${dir}); it is relative to the project root ${ctx.projectDir}`);
    }
  }

  // filter
  const match = exp.filter?.match;
  if (match) {
    try {
      new RegExp(match.pattern, match.flags);
    } catch (e) {
      const why = String((e as Error).message).replace(/^Invalid regular expression: /, '');
      error(['filter', 'match', 'pattern'], `filter.match.pattern is not a valid JavaScript regular expression: ${why}`);
    }
  }
  const ids = new Set(exp.filter?.ids ?? []);
  (exp.filter?.excludeIds ?? []).forEach((id, i) => {
    if (ids.has(id)) warn(['filter', 'excludeIds', i], `filter.excludeIds drops ${quote(id)}, which filter.ids keeps: it is dropped`);
  });

  // prompt: the template must exist, inside the project.
  const template = exp.prompt.template;
  const written = ctx.isWritten(['prompt', 'template']);
  const templatePath = resolve(ctx.projectDir, template);
  const rel = relative(ctx.projectDir, templatePath);
  if (isAbsolute(template) || rel.startsWith('..')) {
    error(['prompt', 'template'], `prompt.template ${quote(template)} must be a path inside the project, relative to the project root ${ctx.projectDir}`);
  } else if (!existsSync(templatePath) || !statSync(templatePath).isFile()) {
    error(
      ['prompt', 'template'],
      `prompt.template ${quote(template)}${written ? '' : ' (the default)'} does not exist: looked for ${templatePath}; the path is relative to the project root ${ctx.projectDir}`,
    );
  }

  // distillation: a Bedrock teacher, a supported pair in the region, a way to serve the student.
  const d = exp.distillation;
  if (d) {
    if (!exp.teacher) {
      error(['distillation'], 'distillation needs a teacher: add teacher: { provider: bedrock, model: <teacher model id> }', 'key');
    } else if (exp.teacher.provider !== 'bedrock') {
      error(['teacher', 'provider'], `distillation runs on Bedrock and needs a Bedrock teacher; teacher.provider is ${quote(exp.teacher.provider)}`);
    } else if (!unresolved('teacher.model') && !unresolved('student.base') && !unresolved('region')) {
      const check = checkDistillationPair(exp.teacher.model, exp.student.base, exp.region);
      for (const w of check.warnings) warn(['teacher', 'model'], `teacher ${exp.teacher.model}: ${w}`);
      if (!check.ok) {
        const at: PathSegments = check.field === 'region' && ctx.isWritten(['region']) ? ['region'] : ['teacher', 'model'];
        error(at, `unsupported distillation pair: ${check.message}`);
      }
    }
    if (d.deploy === 'on-demand' && !unresolved('student.base') && !/^amazon\.nova-/.test(exp.student.base)) {
      error(
        ['distillation', ctx.isWritten(['distillation', 'deploy']) ? 'deploy' : 'role'],
        `distillation.deploy 'on-demand' (custom model deployment) is only available for Nova students, and the student is ${exp.student.base}: use deploy: provisioned (with provisioned: { modelUnits: 1 }) or deploy: none`,
      );
    }
    if (d.provisioned && d.deploy !== 'provisioned') {
      warn(['distillation', 'provisioned'], `distillation.provisioned is ignored: it is only used with deploy: provisioned (deploy is ${quote(d.deploy)})`, 'key');
    }
    if (d.trainingData.invocationLogs && d.trainingData.source !== 'invocation-logs') {
      warn(['distillation', 'trainingData', 'invocationLogs'], `distillation.trainingData.invocationLogs is ignored: it is only used with source: invocation-logs (source is ${quote(d.trainingData.source)})`, 'key');
    }
  }

  // evaluate: every named model must exist.
  const ev = exp.evaluate;
  if (ev) {
    const names = new Map<string, number>();
    ev.models.forEach((m, i) => {
      const name = typeof m === 'string' ? m : m.name;
      const first = names.get(name);
      if (first !== undefined) {
        error(['evaluate', 'models', i], `evaluate.models names ${quote(name)} twice (items ${first + 1} and ${i + 1}); each model needs its own name`);
      } else names.set(name, i);
      if (m === 'teacher' && !exp.teacher) {
        error(['evaluate', 'models', i], "evaluate.models lists 'teacher' but there is no teacher: add teacher: { provider, model }");
      }
      if (m === 'student') {
        if (!d) error(['evaluate', 'models', i], "evaluate.models lists 'student' (the distilled model) but there is no distillation section; evaluate 'student-base' for the undistilled student");
        else if (d.deploy === 'none') error(['evaluate', 'models', i], "evaluate.models lists 'student' but distillation.deploy is 'none', so the distilled model cannot be invoked: deploy it (on-demand or provisioned)");
      }
    });
  }

  return { errors, warnings };
}

function round(x: number): number {
  return Number(x.toFixed(10));
}


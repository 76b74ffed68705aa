import type { Json, JsonObject } from '../json.js';
import { canonicalJson, shortKey } from './keys.js';
import type { RunRecord } from './store.js';

/**
 * Why a step is not cached, in words: compares the step as planned now with the record of
 * its last run in the same experiment. "Opaque cache miss" is the complaint this answers.
 */

/** The step as resolved now. */
export interface ExplainSubject {
  id: string;
  kind: string;
  version: number;
  key: string;
  params: JsonObject;
  /** role -> upstream step id */
  inputs: Record<string, string>;
  /** role -> upstream key */
  inputKeys: Record<string, string>;
  /** project-relative path -> sha256 */
  files: Record<string, string>;
}

export interface ExplainContext {
  /** The last run of this step id in this experiment, if any. */
  lastRun?: RunRecord;
  /** What the store holds under the current key. */
  artifact: 'missing' | 'corrupt' | 'ok';
  /** For a corrupt artifact: what is wrong with it. */
  problem?: string;
  forced?: boolean;
}

const MAX_VALUE_CHARS = 48;
const MAX_LIST_ITEMS = 4;

/** A value as it appears in a reason: scalars as JSON, arrays and objects summarised. */
export function formatValue(value: Json | undefined): string {
  if (value === undefined) return '(unset)';
  if (Array.isArray(value)) {
    const text = canonicalJson(value);
    if (text.length <= MAX_VALUE_CHARS) return text;
    return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
  }
  if (value !== null && typeof value === 'object') {
    const text = canonicalJson(value);
    if (text.length <= MAX_VALUE_CHARS) return text;
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    return `{${keys.length} key${keys.length === 1 ? '' : 's'}}`;
  }
  const text = JSON.stringify(value);
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS - 2)}…"`;
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: Json | undefined): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

function childPath(path: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (!path) return plain ? key : JSON.stringify(key);
  return plain ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Differences between two parameter trees, one line each: `split.train 0.5 -> 0.6`. */
export function diffParams(before: Json | undefined, after: Json | undefined, path = ''): string[] {
  if (same(before, after)) return [];
  const label = path || 'params';
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffParams(before[key], after[key], childPath(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.every(isScalar) && after.every(isScalar)) {
      const whole = (list: Json[]) => canonicalJson(list).length <= MAX_VALUE_CHARS;
      if (whole(before) && whole(after)) return [`${label} ${formatValue(before)} -> ${formatValue(after)}`];
      // Long lists of scalars: say what was added and removed.
      const was = new Set(before.map((v) => canonicalJson(v)));
      const now = new Set(after.map((v) => canonicalJson(v)));
      const added = [...now].filter((v) => !was.has(v));
      const removed = [...was].filter((v) => !now.has(v));
      const parts: string[] = [];
      const list = (items: string[], sign: string) =>
        items.slice(0, MAX_LIST_ITEMS).map((v) => `${sign}${v}`).join(' ') + (items.length > MAX_LIST_ITEMS ? ` (+${items.length - MAX_LIST_ITEMS} more)` : '');
      if (added.length) parts.push(list(added, '+'));
      if (removed.length) parts.push(list(removed, '-'));
      if (!parts.length) parts.push('reordered');
      return [`${label} ${plural(before.length, 'item')} -> ${plural(after.length, 'item')}: ${parts.join(', ')}`];
    }
    if (before.length === after.length) {
      const changes = before.flatMap((item, i) => diffParams(item, after[i], `${label}[${i}]`));
      if (changes.length <= MAX_LIST_ITEMS) return changes;
      return [`${label}: ${plural(changes.length, 'change')} across ${plural(before.length, 'item')}`];
    }
    return [`${label} ${plural(before.length, 'item')} -> ${plural(after.length, 'item')}`];
  }
  return [`${label} ${formatValue(before)} -> ${formatValue(after)}`];
}

/** Human reasons why `subject` is not cached, most decisive first. Never empty. */
export function explainMiss(subject: ExplainSubject, context: ExplainContext): string[] {
  const reasons: string[] = [];
  if (context.forced) reasons.push('forced');
  if (context.artifact === 'ok') return reasons.length ? reasons : ['cached'];
  if (context.artifact === 'corrupt') {
    reasons.push(`artifact in the store is damaged (${context.problem ?? 'failed verification'}): it will be rebuilt`);
    return reasons;
  }
  const last = context.lastRun;
  if (!last) {
    reasons.push('never run in this experiment');
    return reasons;
  }
  if (last.key === subject.key) {
    reasons.push(`artifact missing from store (deleted or gc'd)`);
    return reasons;
  }
  if (last.kind !== subject.kind) reasons.push(`step kind ${last.kind} -> ${subject.kind}`);
  if (last.version !== subject.version) reasons.push(`step version ${last.version} -> ${subject.version}`);
  reasons.push(...diffParams(last.params, subject.params));

  const roles = [...new Set([...Object.keys(last.inputs ?? {}), ...Object.keys(subject.inputs)])].sort();
  for (const role of roles) {
    const was = last.inputs?.[role];
    const stepId = subject.inputs[role];
    const key = subject.inputKeys[role];
    if (!was) reasons.push(`new input ${role} (${stepId})`);
    else if (stepId === undefined) reasons.push(`input ${role} removed (was ${was.stepId})`);
    else if (was.stepId !== stepId) reasons.push(`input ${role} now from ${stepId} (was ${was.stepId})`);
    else if (key !== undefined && was.key !== key) {
      reasons.push(`input ${role} changed (${stepId} ${shortKey(was.key)} -> ${shortKey(key)})`);
    }
  }

  const paths = [...new Set([...Object.keys(last.files ?? {}), ...Object.keys(subject.files)])].sort();
  for (const path of paths) {
    const was = last.files?.[path];
    const now = subject.files[path];
    if (was === undefined) reasons.push(`now reads file ${path}`);
    else if (now === undefined) reasons.push(`no longer reads file ${path}`);
    else if (was !== now) reasons.push(`file ${path} changed`);
  }

  if (reasons.length === (context.forced ? 1 : 0)) {
    // Everything we record is equal, yet the key differs: the key's recipe itself changed.
    reasons.push(`key ${shortKey(last.key)} -> ${shortKey(subject.key)} (no recorded difference; fc-distill's key format may have changed)`);
  }
  return reasons;
}

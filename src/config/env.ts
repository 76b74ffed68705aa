import type { SourcePosition } from '../errors.js';
import { displayPath, quote, toDotted, toPointer, type ConfigProblem, type PathSegments } from './problems.js';
import { envFields, takesEnv } from './schema.js';

/**
 * `${env:NAME}` interpolation. Only fields whose schema says `x-env` take references.
 * Set variables are substituted before validation; unset (or empty) ones stay literal and
 * are reported as unresolved, so that only the steps needing them are blocked.
 */

/** A `${env:NAME}` reference whose variable is not set. Same shape as PlannedStep.unresolved. */
export interface UnresolvedEnv {
  /** Dotted path of the field, e.g. `distillation.role`, `evaluate.models.2.model`. */
  path: string;
  variable: string;
  file?: string;
  line?: number;
  col?: number;
}

export const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Anything that looks like an attempt at a reference (to catch `${env:1X}`, `${ENV:X}`, `${env: X}`). */
const ENV_ATTEMPT = /\$\{\s*env\s*:[^}]*\}?/gi;

export interface EnvResolution {
  /** A copy of the input with set variables substituted. */
  value: unknown;
  unresolved: UnresolvedEnv[];
  problems: ConfigProblem[];
  /** JSON pointer -> variables substituted there (to say so when the result is invalid). */
  substituted: Map<string, string[]>;
  /** JSON pointers where a problem was reported (schema errors there would only repeat it). */
  reported: Set<string>;
}

export type EnvLocator = (segments: PathSegments, variable: string | undefined) => SourcePosition;

export function resolveEnv(value: unknown, env: Record<string, string | undefined>, locate: EnvLocator): EnvResolution {
  const result: EnvResolution = { value: undefined, unresolved: [], problems: [], substituted: new Map(), reported: new Set() };

  const visitString = (text: string, path: PathSegments): string => {
    if (!text.includes('${')) return text;
    const pointer = toPointer(path);
    const valid = [...text.matchAll(ENV_REF)];
    const attempts = [...text.matchAll(ENV_ATTEMPT)];
    const malformed = attempts.filter((a) => !valid.some((v) => v.index === a.index && v[0] === a[0]));
    for (const bad of malformed) {
      result.reported.add(pointer);
      result.problems.push({
        message: `malformed environment reference ${quote(bad[0])} in ${displayPath(path)}: expected \${env:NAME}, NAME made of letters, digits and '_' and not starting with a digit`,
        position: locate(path, undefined),
      });
    }
    if (valid.length === 0) return text;
    if (!takesEnv(path)) {
      result.reported.add(pointer);
      const variables = [...new Set(valid.map((m) => m[1]!))];
      result.problems.push({
        message: `${displayPath(path)} does not take environment references (found ${variables.map((v) => `\${env:${v}}`).join(', ')}); fields that do: ${envFields().join(', ')}`,
        position: locate(path, variables[0]),
      });
      return text;
    }
    const used: string[] = [];
    const seen = new Set<string>();
    for (const match of valid) {
      const variable = match[1]!;
      if (seen.has(variable)) continue;
      seen.add(variable);
      const set = env[variable];
      if (set !== undefined && set !== '') {
        used.push(variable);
      } else {
        const position = locate(path, variable);
        result.unresolved.push({ path: toDotted(path), variable, file: position.file, line: position.line, col: position.col });
      }
    }
    if (used.length > 0) result.substituted.set(pointer, used);
    return text.replace(ENV_REF, (whole, variable: string) => {
      const set = env[variable];
      return set !== undefined && set !== '' ? set : whole;
    });
  };

  const visit = (node: unknown, path: PathSegments): unknown => {
    if (typeof node === 'string') return visitString(node, path);
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = visit(child, [...path, key]);
      return out;
    }
    return node;
  };

  result.value = visit(value, []);
  return result;
}

/** The hint printed for an unresolved reference: what to export before running. */
export function unresolvedHint(u: UnresolvedEnv): string {
  return `${u.path} uses \${env:${u.variable}}, which is not set: export ${u.variable}=... before running (steps that need it are not runnable until then)`;
}

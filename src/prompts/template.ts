import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { InputError } from '../errors.js';
import { ANSWER_FORMATS, isAnswerFormat, type AnswerFormat } from './answer.js';
import type { PromptContext } from './context.js';
import { formatJson } from './json-text.js';

/**
 * Prompt templates: Handlebars, in an environment of our own (Handlebars.create(), so nothing
 * registered elsewhere leaks in), with a fixed set of helpers registered here in code, compiled
 * with
 * - `strict: true`: a misspelt variable (`{{functionJson}}`) is an error, not an empty string;
 *   test an optional field with `{{#if (lookup this "default")}}` (lookup is not strict);
 * - `noEscape: true`: prompts are text, not HTML (`"` must stay `"`);
 * - prototype access off (`allowProtoPropertiesByDefault/allowProtoMethodsByDefault: false`):
 *   `{{constructor}}`, `{{__proto__}}` and the like resolve to nothing.
 * Any error (syntax, unknown helper, undefined variable, a helper's own failure) becomes an
 * InputError positioned at the template's file:line:col, saying what to fix.
 *
 * A template may declare the answer format(s) it asks for, in any comment:
 * `@answerFormat json-list` (several separated by spaces); rendering with another format is
 * then an error, so a prompt never asks for one shape while the labels use another.
 *
 * Helpers (all pure):
 * - `json value [indent=N]`: JSON text (Python `json.dumps` layout; compact without `indent`).
 * - `eq a b`, `ne a b`, `and a b ...`, `or a b ...`, `not a`: comparisons for `{{#if}}`.
 * - `join list [sep]`: list items joined (default `, `).
 * - `toolSpecs functions`: the functions wrapped as `{"type": "function", "function": doc}`
 *   (the shape Llama's chat template prints).
 * - `appendToDescriptions functions text`: copies of the function docs with `text` appended to
 *   each description (BFCL's " Note that the provided function is in Python 3 syntax.").
 * - Handlebars' built-ins: `if`, `unless`, `each`, `with`, `lookup`.
 */

export interface PromptTemplate {
  /** Project-relative (or as given) path, used in error messages. */
  file: string;
  sha256: string;
  /** The formats the template declares with `@answerFormat`, or null when it declares none. */
  answerFormats: AnswerFormat[] | null;
  /** The system prompt for one example. Throws InputError (with file:line) on a template error. */
  render(context: PromptContext): string;
}

const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;
const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

/** Raised inside helpers so the error carries the helper call's position. */
class HelperError extends Error {
  constructor(
    message: string,
    readonly loc: HelperLoc | undefined,
  ) {
    super(message);
  }
}
interface HelperLoc {
  start: { line: number; column: number };
}
interface HelperOptions extends Handlebars.HelperOptions {
  name?: string;
  loc?: HelperLoc;
}

const env = createEnvironment();

function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.unregisterHelper('log');
  const helper = (name: string, fn: (args: unknown[], options: HelperOptions) => unknown) => {
    hb.registerHelper(name, function (this: unknown, ...all: unknown[]) {
      const options = all[all.length - 1] as HelperOptions;
      try {
        return fn(all.slice(0, -1), options);
      } catch (error) {
        if (error instanceof HelperError) throw error;
        throw new HelperError(`helper '${name}' failed: ${(error as Error).message}`, options.loc);
      }
    });
  };
  hb.registerHelper('helperMissing', function (...all: unknown[]) {
    const options = all[all.length - 1] as HelperOptions;
    if (all.length === 1) return undefined;
    throw new HelperError(
      `unknown helper '${options.name}' (available: ${Object.keys(hb.helpers)
        .filter((n) => !n.endsWith('Missing'))
        .sort()
        .join(', ')})`,
      options.loc,
    );
  });
  helper('json', (args, options) => {
    if (args.length !== 1) throw new Error(`takes one value, got ${args.length}`);
    const value = args[0];
    const indent = options.hash?.indent ?? 0;
    if (typeof indent !== 'number' || !Number.isInteger(indent) || indent < 0) {
      throw new Error(`indent must be a whole number, got ${String(indent)}`);
    }
    return formatJson(value, indent);
  });
  helper('eq', ([a, b]) => a === b);
  helper('ne', ([a, b]) => a !== b);
  helper('and', (args) => args.every(Boolean));
  helper('or', (args) => args.some(Boolean));
  helper('not', ([a]) => !a);
  helper('join', ([list, sep]) => {
    if (!Array.isArray(list)) throw new Error('expects a list');
    return list.join(typeof sep === 'string' ? sep : ', ');
  });
  helper('toolSpecs', ([functions]) => {
    if (!Array.isArray(functions)) throw new Error('expects the list of functions');
    return functions.map((f) => ({ type: 'function', function: f }));
  });
  helper('appendToDescriptions', ([functions, text]) => {
    if (!Array.isArray(functions)) throw new Error('expects the list of functions');
    if (typeof text !== 'string') throw new Error('expects the text to append');
    return functions.map((f: Record<string, unknown>) => ({ ...f, description: `${String(f.description ?? '')}${text}` }));
  });
  return hb;
}

/** Compiled templates by content hash: compiling is the expensive part and the same file is rendered thousands of times. */
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** Read and compile a template file (path relative to `projectDir`). */
export function loadTemplate(file: string, projectDir: string): PromptTemplate {
  let source: string;
  try {
    source = readFileSync(path.resolve(projectDir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT'
        ? `prompt template not found: ${file} (paths are relative to the project directory ${projectDir}; the shipped templates are templates/nova-json.hbs, templates/llama3-json.hbs, templates/python-calls.hbs)`
        : `cannot read prompt template ${file}: ${(error as Error).message}`,
      { file },
    );
  }
  return compileTemplate(source, file);
}

/** Compile template text; `file` names it in errors. Syntax errors are reported here, not at first use. */
export function compileTemplate(source: string, file: string): PromptTemplate {
  const sha256 = createHash('sha256').update(source).digest('hex');
  const answerFormats = declaredFormats(source, file);
  let delegate = compiled.get(sha256);
  if (!delegate) {
    try {
      // precompile parses and compiles eagerly (compile() alone defers both to the first call).
      env.precompile(source, COMPILE_OPTIONS);
    } catch (error) {
      throw templateError(error, source, file, 'syntax error');
    }
    delegate = env.compile(source, COMPILE_OPTIONS);
    compiled.set(sha256, delegate);
  }
  const run = delegate;
  return {
    file,
    sha256,
    answerFormats,
    render(context: PromptContext): string {
      if (answerFormats && !answerFormats.includes(context.answerFormat)) {
        const line = lineOf(source, source.indexOf('@answerFormat'));
        throw new InputError(
          `template asks for answer format ${answerFormats.join(' or ')} but the experiment's prompt.answerFormat is '${context.answerFormat}': the labels would not match what the prompt asks for. Set prompt.answerFormat to ${answerFormats[0]} or use a template written for ${context.answerFormat}.`,
          { file, line },
        );
      }
      try {
        return run(context, RUNTIME_OPTIONS);
      } catch (error) {
        throw templateError(error, source, file, `error rendering example ${context.id}`);
      }
    },
  };
}

function declaredFormats(source: string, file: string): AnswerFormat[] | null {
  const match = /@answerFormat[ \t]+((?:[A-Za-z][\w-]*[ \t,]*)*)/.exec(source);
  if (!match) return null;
  const names = match[1]!.trim().split(/[\s,]+/).filter(Boolean);
  const bad = names.filter((n) => !isAnswerFormat(n));
  if (names.length === 0 || bad.length > 0) {
    throw new InputError(
      `@answerFormat declares ${bad.length ? `unknown format(s) ${bad.join(', ')}` : 'nothing'}; known formats: ${ANSWER_FORMATS.join(', ')}`,
      { file, line: lineOf(source, match.index) },
    );
  }
  return names as AnswerFormat[];
}

function lineOf(source: string, index: number): number {
  return index < 0 ? 1 : source.slice(0, index).split('\n').length;
}

/** Turn whatever Handlebars threw into an InputError at file:line:col. */
function templateError(error: unknown, source: string, file: string, what: string): InputError {
  if (error instanceof InputError) return error;
  const e = error as Error & { lineNumber?: number; column?: number };
  let message = (e?.message ?? String(error)).replace(/ - \d+:\d+$/, '');
  let line: number | undefined;
  let col: number | undefined;
  if (error instanceof HelperError) {
    if (error.loc) {
      line = error.loc.start.line;
      col = error.loc.start.column + 1;
    }
  } else if (/^(Parse|Lexical) error on line (\d+)/.test(message)) {
    // Jison's message: "Parse error on line N:\n<excerpt>\n----^\nExpecting ..., got 'X'".
    line = Number(/line (\d+)/.exec(message)![1]);
    const loc = (env as unknown as { Parser?: { lexer?: { yylloc?: { first_line: number; first_column: number } } } }).Parser?.lexer?.yylloc;
    if (loc && loc.first_line === line) col = loc.first_column + 1;
    const expecting = /Expecting (.*), got '([^']*)'/.exec(message);
    message = expecting
      ? `unexpected ${describeToken(expecting[2]!)}; expected ${expectedTokens(expecting[1]!)}. Check that every {{ has a matching }} and every {{#block}} its {{/block}}`
      : message.split('\n')[0]!;
  } else if (typeof e?.lineNumber === 'number') {
    line = e.lineNumber;
    if (typeof e.column === 'number') col = e.column + 1;
  }
  if (line === undefined) {
    const partial = /The partial (\S+) could not be/.exec(message);
    if (partial) {
      const at = source.search(new RegExp(`\\{\\{~?>\\s*${partial[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      if (at >= 0) line = lineOf(source, at);
      message = `partials are not available to prompt templates (${message})`;
    }
  }
  const undefinedName = /^"([^"]+)" not defined in/.exec(message)?.[1];
  if (undefinedName !== undefined && line !== undefined && col !== undefined) {
    // Strict mode reports an unknown helper called with arguments (`{{shout x}}`) as an
    // undefined name; say what it is.
    const after = (source.split('\n')[line - 1] ?? '').slice(col - 1);
    if (after.startsWith(undefinedName) && /^\s+[^\s}~]/.test(after.slice(undefinedName.length))) {
      message = `unknown helper '${undefinedName}' (available: ${Object.keys(env.helpers)
        .filter((n) => !n.endsWith('Missing'))
        .sort()
        .join(', ')})`;
    }
  }
  const hint = /not defined in/.test(message)
    ? ` (template variables: ${CONTEXT_KEYS.join(', ')}; test optional fields with (lookup this "name"))`
    : '';
  return new InputError(`${what} in prompt template: ${message}${hint}`, line === undefined ? { file } : col === undefined ? { file, line } : { file, line, col });
}

const TOKEN_NAMES: Record<string, string> = {
  EOF: 'end of template',
  INVALID: 'invalid text',
  INVERSE: '{{else}}',
  OPEN_INVERSE_CHAIN: '{{else ...}}',
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  CLOSE_RAW_BLOCK: '}}}}',
  OPEN: '{{',
  OPEN_BLOCK: '{{#',
  OPEN_ENDBLOCK: '{{/',
  OPEN_INVERSE: '{{^',
  OPEN_SEXPR: '(',
  CLOSE_SEXPR: ')',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  BOOLEAN: 'true/false',
  EQUALS: '=',
  SEP: '. or /',
  CONTENT: 'text',
};

/** The tokens worth naming to a template author (Jison lists every possible one). */
const PLAIN_TOKENS = ['CLOSE', 'ID', 'OPEN_ENDBLOCK', 'INVERSE', 'OPEN_INVERSE_CHAIN', 'EOF'];

function expectedTokens(list: string): string {
  const all = list.split(', ').map((t) => t.replace(/'/g, ''));
  const plain = all.filter((t) => PLAIN_TOKENS.includes(t));
  return (plain.length ? plain : all).map(describeToken).join(' or ');
}

function describeToken(token: string): string {
  return TOKEN_NAMES[token] ?? token;
}

/** The names a template can use (kept in step with PromptContext). */
export const CONTEXT_KEYS = [
  'id',
  'category',
  'functions',
  'functionsJson',
  'question',
  'messages',
  'system',
  'answerFormat',
  'noCall',
  'answerExample',
] as const;

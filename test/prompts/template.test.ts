import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BfclExample } from '../../src/bfcl/records.js';
import { InputError } from '../../src/errors.js';
import { renderAnswer } from '../../src/prompts/answer.js';
import { promptContext } from '../../src/prompts/context.js';
import { renderExample } from '../../src/prompts/render.js';
import { compileTemplate, loadTemplate } from '../../src/prompts/template.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const example: BfclExample = {
  id: 'live_simple_1-1-0',
  category: 'live_simple',
  question: [[{ role: 'user', content: 'Area of a triangle with base 10 and height 5?' }]],
  functions: [
    {
      name: 'geometry.area',
      description: 'Area of a "triangle".',
      parameters: {
        type: 'dict',
        required: ['base', 'height'],
        properties: { base: { type: 'integer', description: 'Base.' }, height: { type: 'float', description: 'Height.', default: 1 } },
      },
    },
  ],
  answerJson: '[{"geometry.area": {"base": [10], "height": [5.0]}}]',
};
const ctx = promptContext(example, 'json-list');

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('template errors name the file and line', () => {
  it('a syntax error', () => {
    const error = thrown(() => compileTemplate('line one\nline two\n{{#each functions}}{{name}\n{{/each}}\n', 'templates/broken.hbs'));
    expect(error.position).toMatchObject({ file: 'templates/broken.hbs', line: 3 });
    expect(error.describe()).toMatch(/^templates\/broken\.hbs:3(:\d+)?: syntax error in prompt template: /);
  });

  it('an unclosed block', () => {
    const error = thrown(() => compileTemplate('a\n{{#if system}}\nb\n', 'open.hbs'));
    expect(error.position?.file).toBe('open.hbs');
    expect(error.position?.line).toBeGreaterThanOrEqual(2);
  });

  it('a mismatched block names the line of the block', () => {
    const error = thrown(() => compileTemplate('x\n\n{{#if system}}a{{/each}}', 'mismatch.hbs'));
    expect(error.position).toMatchObject({ file: 'mismatch.hbs', line: 3 });
    expect(error.message).toMatch(/if doesn't match each/);
  });

  it('a missing helper (block form)', () => {
    const error = thrown(() => compileTemplate('x\n{{#repeat functions}}y{{/repeat}}', 'block.hbs').render(ctx));
    expect(error.position).toMatchObject({ file: 'block.hbs', line: 2 });
    expect(error.message).toMatch(/repeat/);
  });

  it('a missing helper', () => {
    const template = compileTemplate('first\nsecond {{shout functions}}\n', 'templates/helper.hbs');
    const error = thrown(() => template.render(ctx));
    expect(error.position).toEqual({ file: 'templates/helper.hbs', line: 2, col: 10 }); // at the helper's name
    expect(error.message).toMatch(/unknown helper 'shout' \(available: .*json/);
  });

  it('a misspelt variable (strict mode)', () => {
    const template = compileTemplate('a\nb\n  {{functionJson}}', 'typo.hbs');
    const error = thrown(() => template.render(ctx));
    expect(error.position).toMatchObject({ file: 'typo.hbs', line: 3 });
    expect(error.message).toMatch(/"functionJson" not defined/);
    expect(error.message).toMatch(/functionsJson/);
  });

  it('a helper failing', () => {
    const template = compileTemplate('{{json functions indent="x"}}', 'bad-indent.hbs');
    const error = thrown(() => template.render(ctx));
    expect(error.position).toEqual({ file: 'bad-indent.hbs', line: 1, col: 1 });
    expect(error.message).toMatch(/helper 'json' failed: indent must be a whole number/);
  });

  it('a missing template file', () => {
    const error = thrown(() => loadTemplate('templates/nope.hbs', repo));
    expect(error.message).toMatch(/prompt template not found: templates\/nope\.hbs/);
  });
});

describe('no prototype access', () => {
  it.each([
    '{{constructor}}',
    '{{__proto__}}',
    '{{functions.constructor}}',
    '{{functions.constructor.name}}',
    '{{lookup this "constructor"}}',
    '{{#with constructor}}{{name}}{{/with}}',
    '{{id.constructor.constructor}}',
    '{{json (lookup functions "__proto__")}}',
  ])('%s yields nothing or an error', (source) => {
    const template = compileTemplate(`[${source}]`, 'proto.hbs');
    let out: string;
    try {
      out = template.render(ctx);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return;
    }
    expect(out).not.toMatch(/function|Object|Array|native code/);
    expect(['[]', '[null]']).toContain(out);
  });
});

describe('helpers and context', () => {
  it('prints text without HTML escaping', () => {
    expect(compileTemplate('{{#each functions}}{{description}}{{/each}}', 'x.hbs').render(ctx)).toBe('Area of a "triangle".');
  });

  it('json, eq, join, toolSpecs, appendToDescriptions, lookup for optional fields', () => {
    const source = [
      '{{json (lookup functions.[0].parameters.properties "height")}}',
      '{{#if (eq answerFormat "json-list")}}list{{/if}}',
      '{{join functions.[0].parameters.required " & "}}',
      '{{#each (toolSpecs functions)}}{{type}}:{{function.name}}{{/each}}',
      '{{#each (appendToDescriptions functions " Python 3.")}}{{description}}{{/each}}',
      '{{#each functions.[0].parameters.properties}}{{@key}}={{#if (lookup this "default")}}{{json (lookup this "default")}}{{else}}-{{/if}};{{/each}}',
    ].join('\n');
    expect(compileTemplate(source, 'helpers.hbs').render(ctx).split('\n')).toEqual([
      '{"type": "float", "description": "Height.", "default": 1}',
      'list',
      'base & height',
      'function:geometry.area',
      'Area of a "triangle". Python 3.',
      'base=-;height=1;',
    ]);
  });

  it('a declared @answerFormat must match the configured one', () => {
    const template = compileTemplate('{{!-- @answerFormat python --}}x', 'fmt.hbs');
    expect(template.answerFormats).toEqual(['python']);
    const error = thrown(() => template.render(ctx));
    expect(error.message).toMatch(/asks for answer format python but .* 'json-list'/);
    expect(thrown(() => compileTemplate('{{!-- @answerFormat yaml --}}', 'fmt.hbs')).message).toMatch(/unknown format/);
  });
});

describe('shipped templates', () => {
  const cases = [
    ['templates/nova-json.hbs', 'json-list'],
    ['templates/llama3-json.hbs', 'llama-json'],
    ['templates/python-calls.hbs', 'python'],
  ] as const;

  it.each(cases)('%s asks for exactly the shape its labels use', (file, format) => {
    const template = loadTemplate(file, repo);
    expect(template.answerFormats).toEqual([format]);
    const { record } = renderExample(example, template, { answerFormat: format, label: true });
    const shape = renderAnswer([{ name: 'function_name', arguments: { parameter_name: 'value' } }], format);
    // python-calls.hbs is BFCL's text verbatim, which states the same shape with its own placeholders.
    expect(record.system).toContain(format === 'python' ? '[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]' : shape);
    expect(record.system).toContain('geometry.area');
    expect(record.messages).toHaveLength(2);
    expect(record.labelled).toBe(true);
  });

  it('the labels in each format', () => {
    const label = (file: string, format: 'json-list' | 'llama-json' | 'python') =>
      renderExample(example, loadTemplate(file, repo), { answerFormat: format, label: true }).record.messages[1]!.content;
    expect(label('templates/nova-json.hbs', 'json-list')).toBe('[{"name": "geometry.area", "arguments": {"base": 10, "height": 5.0}}]');
    expect(label('templates/llama3-json.hbs', 'llama-json')).toBe('{"name": "geometry.area", "parameters": {"base": 10, "height": 5.0}}');
    expect(label('templates/python-calls.hbs', 'python')).toBe('[geometry.area(base=10, height=5.0)]');
  });

  it.each(cases)("%s puts the example's own system message after its own text", (file, format) => {
    const withSystem: BfclExample = {
      ...example,
      question: [[{ role: 'system', content: 'You are a geometry bot.' }, { role: 'user', content: 'Hi' }]],
    };
    const { record } = renderExample(withSystem, loadTemplate(file, repo), { answerFormat: format, label: false });
    expect(record.system.endsWith('\n\nYou are a geometry bot.')).toBe(true);
    expect(record.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it("a template that drops the example's system message is an error", () => {
    const withSystem: BfclExample = { ...example, question: [[{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]] };
    const error = thrown(() => renderExample(withSystem, compileTemplate('tools: {{functionsJson}}', 'nosys.hbs'), { answerFormat: 'json-list', label: false }));
    expect(error.message).toMatch(/does not print the example's own system message/);
  });
});

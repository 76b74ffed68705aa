import { describe, expect, it } from 'vitest';
import { nativeTools, sanitizeToolName, toInputSchema, toJsonSchema, ToolNames, TOOL_NAME_PATTERN } from '../../src/models/tool-schema.js';
import { llamaJsonToList } from '../../src/models/llama-json.js';
import { EXAMPLES } from './fixtures.js';

describe('BFCL -> JSON Schema', () => {
  it('maps dict/float/tuple/any recursively; Nova top level keeps only type, properties, required', () => {
    const schema = toInputSchema(EXAMPLES[1]!.functions[0]!);
    expect(Object.keys(schema).sort()).toEqual(['properties', 'required', 'type']);
    expect(schema).toEqual({
      type: 'object',
      required: ['principal', 'annual_rate'],
      properties: {
        principal: { type: 'integer', description: 'amount' },
        annual_rate: { type: 'number', description: 'rate This is a float type value.' },
        rates: { type: 'array', description: 'rates', items: { type: 'number', description: 'This is a float type value.' } },
        options: {
          type: 'object',
          description: 'opts',
          properties: { pair: { type: 'array', items: { type: 'integer' } }, extra: {} },
        },
      },
    });
    expect(toJsonSchema({ type: 'string', enum: ['a', 'b'], default: 'a' })).toEqual({ type: 'string', enum: ['a', 'b'], default: 'a' });
  });
});

describe('tool names', () => {
  it('dots and other characters map to the allowed pattern and back', () => {
    const names = new ToolNames(['math.factorial', 'a b/c', 'plain']);
    expect(names.wire('math.factorial')).toBe('math_factorial');
    for (const [bfcl, wire] of names.entries()) {
      expect(wire).toMatch(TOOL_NAME_PATTERN);
      expect(names.bfcl(wire)).toBe(bfcl);
    }
    expect(names.bfcl('invented_tool')).toBe('invented_tool');
  });

  it('long names are cut to 64 with a hash; collisions get distinct names', () => {
    const long = `x.${'y'.repeat(80)}`;
    const names = new ToolNames([long, 'a.b', 'a_b', 'a-b', `x_${'y'.repeat(80)}`]);
    const wires = names.entries().map(([, w]) => w);
    expect(new Set(wires).size).toBe(5);
    for (const w of wires) expect(w).toMatch(TOOL_NAME_PATTERN);
    for (const [bfcl, wire] of names.entries()) expect(names.bfcl(wire)).toBe(bfcl);
    expect(sanitizeToolName(long)).toHaveLength(64);
  });

  it('nativeTools gives every function a non-empty description', () => {
    const { tools } = nativeTools([{ name: 'f.g', description: '', parameters: { type: 'dict', properties: {} } }]);
    expect(tools).toEqual([{ name: 'f_g', description: 'f.g', inputSchema: { type: 'object', properties: {} } }]);
  });
});

describe('llama-json adapter', () => {
  it("turns ';'-joined objects into a JSON list, leaves anything else alone", () => {
    expect(llamaJsonToList('{"name": "f", "parameters": {"a": "x;y"}}; {"name": "g", "parameters": {}}')).toBe(
      '[{"name": "f", "parameters": {"a": "x;y"}}, {"name": "g", "parameters": {}}]',
    );
    expect(llamaJsonToList('{"name": "f", "parameters": {}}')).toBe('{"name": "f", "parameters": {}}');
    expect(llamaJsonToList('no; calls')).toBe('no; calls');
  });
});

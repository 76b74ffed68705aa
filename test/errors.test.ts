import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';

describe('InputError', () => {
  it('prints file:line:col for itself and every further error', () => {
    const error = new InputError('unknown key "mixn"', { file: 'x.yaml', line: 3, col: 1 }, [
      new InputError('bad value', { file: 'x.yaml', line: 7 }),
      new InputError('no position'),
    ]);
    expect(error.describe()).toBe('x.yaml:3:1: unknown key "mixn"\nx.yaml:7: bad value\nno position');
    expect(error.exitCode).toBe(2);
  });
});

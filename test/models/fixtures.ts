import type { BfclExample } from '../../src/bfcl/records.js';

/** Small hand-made BFCL examples: floats, dotted names, parallel calls, irrelevance. */
export const EXAMPLES: BfclExample[] = [
  {
    id: 'simple_0',
    category: 'simple',
    question: [[{ role: 'user', content: 'Area of a triangle with base 10 and height 5.0?' }]],
    functions: [
      {
        name: 'geometry.triangle_area',
        description: 'Area of a triangle.',
        parameters: {
          type: 'dict',
          properties: { base: { type: 'integer', description: 'base' }, height: { type: 'float', description: 'height' } },
          required: ['base', 'height'],
        },
      },
    ],
    answerJson: '[{"geometry.triangle_area": {"base": [10], "height": [5.0]}}]',
  },
  {
    id: 'simple_1',
    category: 'simple',
    question: [[{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Interest on 1000 at 5.0% for 2 years, rates [1.0, 2.5]' }]],
    functions: [
      {
        name: 'finance.interest',
        description: 'Compound interest.',
        parameters: {
          type: 'dict',
          properties: {
            principal: { type: 'integer', description: 'amount' },
            annual_rate: { type: 'float', description: 'rate' },
            rates: { type: 'array', items: { type: 'float' }, description: 'rates' },
            options: { type: 'dict', properties: { pair: { type: 'tuple', items: { type: 'integer' } }, extra: { type: 'any' } }, description: 'opts' },
          },
          required: ['principal', 'annual_rate'],
        },
      },
    ],
    answerJson: '[{"finance.interest": {"principal": [1000], "annual_rate": [5.0], "rates": [[1.0, 2.5]], "options": [""]}}]',
  },
  {
    id: 'parallel_0',
    category: 'parallel',
    question: [[{ role: 'user', content: 'Weather in Paris and in Rome in celsius' }]],
    functions: [
      {
        name: 'get_weather',
        description: 'Weather for a city.',
        parameters: { type: 'dict', properties: { city: { type: 'string', description: 'city' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'], description: 'unit' } }, required: ['city'] },
      },
    ],
    answerJson: '[{"get_weather": {"city": ["Paris"], "unit": ["celsius"]}}, {"get_weather": {"city": ["Rome"], "unit": ["celsius"]}}]',
  },
  {
    id: 'irrelevance_0',
    category: 'irrelevance',
    question: [[{ role: 'user', content: 'Tell me a joke.' }]],
    functions: [
      { name: 'get_weather', description: 'Weather for a city.', parameters: { type: 'dict', properties: { city: { type: 'string', description: 'city' } }, required: ['city'] } },
    ],
    answerJson: null,
  },
];

export const FAKE_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE1234',
  AWS_SECRET_ACCESS_KEY: 'fakeSecretKeyThatMustNotLeak/abcdefghij',
  AWS_SESSION_TOKEN: 'FakeSessionTokenThatMustNotLeak0123456789',
  AWS_REGION: 'us-east-1',
};

export function setFakeAwsEnv(): void {
  Object.assign(process.env, FAKE_ENV);
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_BEARER_TOKEN_BEDROCK;
}

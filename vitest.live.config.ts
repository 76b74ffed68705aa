import { defineConfig } from 'vitest/config';

// `npm run test:aws`: live calls to real AWS; never part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/live/**/*.live.ts'],
    testTimeout: 120_000,
  },
});

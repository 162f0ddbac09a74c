import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts', 'web/src/**/*.spec.{ts,tsx}'],
    pool: 'forks',
    // Two cores: more parallel files only make the concurrency tests slower, not the suite faster.
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // expect.poll waits for something eventual (a page re-rendered, a job run); its default of 1 s is
    // a timing threshold a loaded two-core CI machine can miss. A poll that holds passes as soon as it does.
    expect: { poll: { timeout: 15_000 } },
  },
});

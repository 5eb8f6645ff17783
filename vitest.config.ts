import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/**/index.ts', 'src/**/types.ts'],
      reporter: ['text-summary'],
      // Security-critical folders are gated (HOUSE-STYLE §4). Worker code runs in child processes, which
      // v8 coverage of the test process does not see, so the functions host is measured by its tests only.
      thresholds: {
        'src/edge/routing/**': { lines: 100, functions: 100 },
        'src/edge/auth/**': { lines: 95, functions: 95 },
      },
    },
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The `@shared/…` import alias (tsconfig paths), for every project. */
const resolve = { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } };

// Four projects, all run by `npm test`:
// - unit: fast (seconds), no engine process — pure functions, one module with its real dependencies;
// - integration: the app's path through a real engine process or worker (core handlers, engine host);
// - engine: the engine's real-data tests (real weights, real training), heavy on a 2-core machine and
//   so run one file at a time;
// - e2e: real Chromium against browser mode (and Electron's _electron where its binary exists).
export default defineConfig({
  test: {
    reporters: ['default', './test/reporters/summary-line.ts'],
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

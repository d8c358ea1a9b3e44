#!/usr/bin/env node
/**
 * `train`, `predict`, `eval` and `demo` (commands.ts), run from TypeScript source by tsx. This entry only
 * hands tsx the repository's tsconfig, so its `@shared/…` path alias resolves from any working folder.
 */
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

await tsImport('./commands.ts', {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL('../../../../tsconfig.json', import.meta.url)),
});

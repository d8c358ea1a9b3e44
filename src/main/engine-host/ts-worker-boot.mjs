// Runs a TypeScript worker entry from source (tests, browser mode under tsx): Node 20 workers do not
// inherit tsx's hooks. The repository's tsconfig gives tsx the `@shared/…` path alias, whatever the
// working folder.
import { fileURLToPath, URL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import(workerData.__tsEntry);

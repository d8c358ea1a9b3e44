// Runs a TypeScript worker entry from source (tests, browser mode under tsx): Node 20 workers do not
// inherit tsx's hooks.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__tsEntry);

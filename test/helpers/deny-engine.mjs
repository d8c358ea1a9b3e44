/**
 * `node --import ./deny-engine.mjs …`: any import of the engine's heavy packages (tfjs, ONNX Runtime,
 * sharp, h5wasm) fails. Proves a command path (the CLI's `--help`) never loads them.
 */
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  if (/^(sharp|onnxruntime-node|h5wasm|@tensorflow\\/)/.test(specifier))
    throw new Error('deny-engine: ' + specifier + ' imported');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

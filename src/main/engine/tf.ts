/**
 * The one place the engine imports tfjs from, so every module shares one engine instance
 * (tfjs-node, when present, registers its backend on this same instance).
 */
import './tfjs-preload';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
export type Tensor = tf.Tensor;
export type LayersModel = tf.LayersModel;

// PROD silences tfjs' "install tfjs-node" banner on stdout (it would corrupt the CLI's JSONL) and debug checks.
tf.env().set('PROD', true);

/**
 * Keras model JSON (Keras 2 `model_config`, Keras 3 `config.json`) → the topology tfjs-layers deserializes.
 * Keras 3 wraps every object in `module`/`registered_name`, serializes dtype policies as objects, calls
 * layers with `{args, kwargs}` nodes and writes single inputs/outputs as one `[name, node, tensor]`;
 * some options have no tfjs equivalent. Anything that would not run the same in tfjs is refused with the
 * layer's name rather than built differently.
 */
import { tf } from '../tf';
import { KerasFileError } from './h5';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export class KerasConfigError extends KerasFileError {
  override name = 'KerasConfigError';
}

const isObj = (x: Json | undefined): x is JsonObject =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);

/** Keras activation names tfjs spells differently; names absent here and from tfjs are refused. */
const ACTIVATION_ALIASES: Record<string, string> = {
  silu: 'swish',
  hard_sigmoid: 'hardSigmoid',
  log_softmax: 'logSoftmax',
};
const TFJS_ACTIVATIONS = new Set([
  'elu', 'selu', 'relu', 'relu6', 'linear', 'sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'tanh',
  'softmax', 'logSoftmax', 'gelu', 'gelu_new', 'mish', 'swish',
]); // prettier-ignore

const fail = (layer: string, cls: string, why: string): never => {
  throw new KerasConfigError(`layer "${layer}" (${cls}): ${why}`);
};

/** Per-class fixes: options tfjs lacks are refused when they change the result, else dropped. */
type Rule = (cfg: JsonObject, layer: string, cls: string) => void;
const drop = (cfg: JsonObject, ...keys: string[]) => keys.forEach((k) => delete cfg[k]);
const refuseIf = (cond: boolean, layer: string, cls: string, why: string) => {
  if (cond) fail(layer, cls, why);
};

const convRule: Rule = (cfg, layer, cls) => {
  refuseIf(
    Number(cfg.groups ?? 1) !== 1,
    layer,
    cls,
    `groups=${String(cfg.groups)} is not supported by tfjs`,
  );
  refuseIf(Boolean(cfg.lora_rank), layer, cls, 'LoRA-adapted layers are not supported');
  drop(cfg, 'groups', 'lora_rank', 'lora_alpha');
};
const poolRule: Rule = (cfg, layer, cls) => {
  refuseIf(cfg.keepdims === true, layer, cls, 'keepdims=True is not supported by tfjs');
  drop(cfg, 'keepdims');
};

const LAYER_RULES: Record<string, Rule> = {
  InputLayer: (cfg, layer, cls) => {
    if (cfg.batch_shape !== undefined && cfg.batch_input_shape === undefined)
      cfg.batch_input_shape = cfg.batch_shape;
    refuseIf(
      cfg.sparse === true || cfg.ragged === true,
      layer,
      cls,
      'sparse/ragged inputs are not supported',
    );
    drop(cfg, 'batch_shape', 'optional', 'ragged');
  },
  Conv1D: convRule,
  Conv2D: convRule,
  Conv3D: convRule,
  Conv2DTranspose: convRule,
  Conv3DTranspose: convRule,
  SeparableConv2D: convRule,
  DepthwiseConv2D: convRule,
  Dense: (cfg, layer, cls) => {
    refuseIf(isObj(cfg.quantization_config), layer, cls, 'quantized layers are not supported');
    refuseIf(Boolean(cfg.lora_rank), layer, cls, 'LoRA-adapted layers are not supported');
    drop(cfg, 'quantization_config', 'lora_rank', 'lora_alpha');
  },
  BatchNormalization: (cfg, layer, cls) => {
    refuseIf(cfg.renorm === true, layer, cls, 'batch renormalization is not supported');
    drop(cfg, 'synchronized', 'renorm', 'renorm_clipping', 'renorm_momentum');
  },
  ReLU: (cfg, layer, cls) => {
    refuseIf(
      Number(cfg.negative_slope ?? 0) !== 0,
      layer,
      cls,
      'negative_slope is not supported by tfjs ReLU',
    );
    refuseIf(Number(cfg.threshold ?? 0) !== 0, layer, cls, 'threshold is not supported by tfjs ReLU');
    drop(cfg, 'negative_slope', 'threshold');
  },
  LeakyReLU: (cfg) => {
    // Keras 3 calls it negative_slope, Keras 2 and tfjs alpha.
    if (cfg.negative_slope !== undefined) cfg.alpha = cfg.negative_slope;
    drop(cfg, 'negative_slope');
  },
  GlobalAveragePooling1D: poolRule,
  GlobalAveragePooling2D: poolRule,
  GlobalMaxPooling1D: poolRule,
  GlobalMaxPooling2D: poolRule,
};

/** Drop Keras 3's serialization wrappers from nested objects (initializers, regularizers, …). */
function stripWrappers(x: Json): Json {
  if (Array.isArray(x)) return x.map(stripWrappers);
  if (!isObj(x)) return x;
  // Tuples and shapes as TF-Keras' JSON encoder and Keras 3's serializer may write them.
  if ((x.class_name === '__tuple__' || x.class_name === 'TensorShape') && Array.isArray(x.items))
    return x.items.map(stripWrappers);
  if (x.class_name === '__tuple__' && isObj(x.config) && Array.isArray(x.config.value))
    return x.config.value.map(stripWrappers);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config') continue;
    out[k] = stripWrappers(v);
  }
  return out;
}

/** A dtype or dtype policy (`{"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}`) → tfjs dtype. */
function dtypeOf(d: Json): Json {
  const name = isObj(d) ? (isObj(d.config) ? d.config.name : null) : d;
  if (typeof name !== 'string') return 'float32';
  // tfjs computes in float32; mixed/half policies keep float32 variables in Keras too.
  return /^(mixed_)?(b?float16|float32|float64)$/.test(name) ? 'float32' : name;
}

function activationOf(a: Json, layer: string, cls: string): Json {
  if (a === null || a === undefined) return a;
  if (typeof a !== 'string')
    return fail(layer, cls, `custom activation ${JSON.stringify(a).slice(0, 80)} is not supported`);
  const name = ACTIVATION_ALIASES[a] ?? a;
  if (!TFJS_ACTIVATIONS.has(name)) fail(layer, cls, `activation "${a}" is not supported by tfjs`);
  return name;
}

const registered = () => tf.serialization.SerializationMap.getMap().classNameMap;

function layerConfig(raw: JsonObject, layer: string, cls: string): JsonObject {
  const cfg = stripWrappers(raw.config ?? {}) as JsonObject;
  if (cfg.dtype !== undefined) cfg.dtype = dtypeOf(cfg.dtype);
  for (const key of ['activation', 'recurrent_activation'])
    if (key in cfg) cfg[key] = activationOf(cfg[key], layer, cls);
  LAYER_RULES[cls]?.(cfg, layer, cls);
  return cfg;
}

/** A Keras 3 `__keras_tensor__` → tfjs' `[layer, node, tensor, kwargs]`. */
function tensorRef(x: JsonObject, layer: string, cls: string): Json[] {
  const h = isObj(x.config) ? x.config.keras_history : null;
  if (!Array.isArray(h) || typeof h[0] !== 'string')
    return fail(layer, cls, 'an input tensor has no layer history (it was not produced by a layer)');
  return [h[0], h[1], h[2], {}];
}

const isTensor = (x: Json): x is JsonObject => isObj(x) && x.class_name === '__keras_tensor__';

/** Keras 3 `{args, kwargs}` call → Keras 2 node `[[layer, node, tensor, kwargs], …]`. */
function nodeOf(node: Json, layer: string, cls: string): Json {
  if (Array.isArray(node)) return node; // Keras 2 already
  if (!isObj(node)) return fail(layer, cls, 'unreadable inbound node');
  const refs: Json[] = [];
  const walk = (x: Json) => {
    if (isTensor(x)) refs.push(tensorRef(x, layer, cls));
    else if (Array.isArray(x)) x.forEach(walk);
    else if (isObj(x) && x.class_name === '__tuple__' && isObj(x.config)) walk(x.config.value);
    else if (x !== null)
      fail(layer, cls, `is called with a non-tensor argument ${JSON.stringify(x).slice(0, 60)}`);
  };
  walk(node.args ?? []);
  const kwargs: JsonObject = {};
  for (const [k, v] of Object.entries(isObj(node.kwargs) ? node.kwargs : {})) {
    if (v === null) continue;
    if (isTensor(v) || (Array.isArray(v) && v.some(isTensor)))
      fail(layer, cls, `is called with a tensor keyword argument "${k}" (not supported)`);
    kwargs[k] = v;
  }
  if (Object.keys(kwargs).length) for (const r of refs) (r as Json[])[3] = kwargs;
  return refs;
}

/** Model inputs/outputs: Keras 3 writes a single one as a bare `[name, node, tensor]`, several as list or dict. */
function tensorList(x: Json): Json[] {
  if (Array.isArray(x) && x.length === 3 && typeof x[0] === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(tensorList);
  if (isObj(x)) return Object.values(x).flatMap(tensorList);
  throw new KerasConfigError(`unreadable model inputs/outputs ${JSON.stringify(x).slice(0, 80)}`);
}

function layerEntry(raw: Json, withNodes: boolean): JsonObject {
  if (!isObj(raw) || typeof raw.class_name !== 'string')
    throw new KerasConfigError(`unreadable layer entry ${JSON.stringify(raw).slice(0, 80)}`);
  const cls = raw.class_name;
  const name = String(raw.name ?? (isObj(raw.config) ? raw.config.name : '') ?? '?');
  if (MODEL_CLASSES.has(cls)) {
    const inner = modelTopology(raw);
    if (withNodes)
      inner.inbound_nodes = (Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : []).map((n) =>
        nodeOf(n, name, cls),
      );
    inner.name = name;
    return inner;
  }
  if (typeof raw.module === 'string' && raw.module.startsWith('keras.src.ops'))
    fail(name, cls, 'a keras.ops call in the model graph is not a layer tfjs can run');
  if (!(cls in registered())) {
    const hint = /^(TFOpLambda|SlicingOpLambda|Lambda)$/.test(cls) ? ' (it runs Python/TensorFlow code)' : '';
    fail(name, cls, `this layer type is not supported by tfjs-layers${hint}`);
  }
  const out: JsonObject = { class_name: cls, config: layerConfig(raw, name, cls) };
  if (withNodes) {
    out.name = name;
    out.inbound_nodes = (Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : []).map((n) =>
      nodeOf(n, name, cls),
    );
  }
  return out;
}

/** Translate one model (Functional/Model/Sequential) config, recursing into nested models. */
export function modelTopology(raw: Json): JsonObject {
  if (!isObj(raw) || typeof raw.class_name !== 'string')
    throw new KerasConfigError('not a Keras model config (no class_name)');
  const cls = raw.class_name;
  if (!MODEL_CLASSES.has(cls))
    throw new KerasConfigError(
      `the model is a ${cls}; only Sequential and Functional Keras models can be imported (subclassed models have no config to rebuild)`,
    );
  const c = raw.config;
  if (cls === 'Sequential') {
    // Keras ≤ 2.1 wrote a bare list of layers.
    const layers = Array.isArray(c) ? c : isObj(c) && Array.isArray(c.layers) ? c.layers : null;
    if (!layers) throw new KerasConfigError('Sequential config without layers');
    const name = isObj(c) && typeof c.name === 'string' ? c.name : 'sequential';
    return { class_name: 'Sequential', config: { name, layers: layers.map((l) => layerEntry(l, false)) } };
  }
  if (!isObj(c) || !Array.isArray(c.layers)) throw new KerasConfigError(`${cls} config without layers`);
  return {
    class_name: 'Functional',
    config: {
      name: typeof c.name === 'string' ? c.name : 'model',
      layers: c.layers.map((l) => layerEntry(l, true)),
      input_layers: tensorList(c.input_layers ?? null),
      output_layers: tensorList(c.output_layers ?? null),
    },
  };
}

/** Build a tfjs LayersModel (random weights) from a Keras model config. */
export async function modelFromKerasConfig(raw: Json): Promise<tf.LayersModel> {
  const topology = modelTopology(raw);
  try {
    return await tf.models.modelFromJSON({ modelTopology: topology } as never);
  } catch (e) {
    throw new KerasConfigError(`tfjs-layers cannot build this model: ${(e as Error).message.split('\n')[0]}`);
  }
}

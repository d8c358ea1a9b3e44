/**
 * Inline nested models into one flat functional graph. A transfer-learning model is usually
 * `Sequential([base, pooling, classifier])` or `outputs = head(base(x))`: the base is a model used as a
 * layer. Flattening makes every layer of the base addressable (a feature layer can be any of them) and
 * leaves the engine a plain graph, whatever it does with layers later.
 */
import { tf } from '../tf';
import { type Json, type JsonObject, KerasConfigError } from './config';

const isObj = (x: Json | undefined): x is JsonObject =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);
const isModelEntry = (e: JsonObject) => MODEL_CLASSES.has(String(e.class_name));

type Ref = [string, number, number, JsonObject];

interface FlatGraph {
  layers: JsonObject[];
  inputs: Ref[];
  outputs: Ref[];
}

const asRef = (r: Json): Ref => {
  if (!Array.isArray(r) || typeof r[0] !== 'string')
    throw new KerasConfigError(`unreadable tensor reference ${JSON.stringify(r)}`);
  return [r[0], Number(r[1] ?? 0), Number(r[2] ?? 0), isObj(r[3]) ? r[3] : {}];
};

const entryName = (e: JsonObject) => String(e.name ?? (isObj(e.config) ? e.config.name : ''));

/** The batch input shape a layer (or a nested model, through its first input) declares. */
function inputShapeOf(e: JsonObject): Json[] | null {
  const cfg = isObj(e.config) ? e.config : null;
  if (!cfg) return null;
  if (Array.isArray(cfg.batch_input_shape)) return cfg.batch_input_shape;
  if (!isModelEntry(e) || !Array.isArray(cfg.layers)) return null;
  const first = cfg.layers.find(isObj);
  return first ? inputShapeOf(first) : null;
}

/** A Sequential's layers as a chain of calls from an explicit input layer. */
function sequentialGraph(cfg: JsonObject): FlatGraph {
  const name = String(cfg.name ?? 'sequential');
  const layers = (Array.isArray(cfg.layers) ? cfg.layers : []).filter(isObj).map((l) => structuredClone(l));
  if (layers.length === 0) throw new KerasConfigError(`Sequential model "${name}" has no layers`);
  let input: JsonObject;
  if (layers[0].class_name === 'InputLayer') input = layers.shift()!;
  else {
    const shape = inputShapeOf(layers[0]);
    if (!shape) throw new KerasConfigError(`Sequential model "${name}" does not say its input shape`);
    input = {
      class_name: 'InputLayer',
      config: { name: `${name}_input`, batch_input_shape: shape, dtype: 'float32' },
    };
  }
  input.name = entryName(input);
  input.inbound_nodes = [];
  let prev = String(input.name);
  for (const l of layers) {
    l.name = entryName(l);
    l.inbound_nodes = [[[prev, 0, 0, {}]]];
    prev = String(l.name);
  }
  return {
    layers: [input, ...layers],
    inputs: [[String(input.name), 0, 0, {}]],
    outputs: [[prev, 0, 0, {}]],
  };
}

function graphOf(entry: JsonObject): FlatGraph {
  const cfg = isObj(entry.config) ? entry.config : {};
  if (entry.class_name === 'Sequential') return sequentialGraph(cfg);
  const list = (x: Json | undefined) => (Array.isArray(x) ? x.map(asRef) : []);
  return {
    layers: (Array.isArray(cfg.layers) ? cfg.layers : []).filter(isObj).map((l) => structuredClone(l)),
    inputs: list(cfg.input_layers),
    outputs: list(cfg.output_layers),
  };
}

interface Flattened extends FlatGraph {
  /** Flat layer name → the path of names to its layer object in the original (nested) model. */
  origin: Map<string, string[]>;
}

function flattenGraph(g: FlatGraph, prefix: string[]): Flattened {
  const out: JsonObject[] = [];
  const origin = new Map<string, string[]>();
  const alias = new Map<string, Ref[]>(); // nested model name → its output refs
  for (const e of g.layers) {
    const name = entryName(e);
    if (!isModelEntry(e)) {
      out.push(e);
      origin.set(name, [...prefix, name]);
      continue;
    }
    const nodes = Array.isArray(e.inbound_nodes) ? e.inbound_nodes : [];
    if (nodes.length !== 1 || !Array.isArray(nodes[0]))
      throw new KerasConfigError(
        `nested model "${name}" is called ${nodes.length} times; only single use can be flattened`,
      );
    const callRefs = nodes[0].map(asRef);
    const inner = flattenGraph(graphOf(e), [...prefix, name]);
    if (callRefs.length !== inner.inputs.length)
      throw new KerasConfigError(
        `nested model "${name}" takes ${inner.inputs.length} inputs but is called with ${callRefs.length}`,
      );
    // The nested model's input layers disappear: whatever read them reads the call's inputs instead.
    const subst = new Map(inner.inputs.map((r, i) => [r[0], callRefs[i]]));
    const mapRef = (r: Ref): Ref => subst.get(r[0]) ?? r;
    for (const l of inner.layers) {
      const n = entryName(l);
      if (subst.has(n)) continue;
      l.inbound_nodes = (Array.isArray(l.inbound_nodes) ? l.inbound_nodes : []).map((node) =>
        Array.isArray(node) ? node.map((r) => mapRef(asRef(r))) : node,
      );
      out.push(l);
      origin.set(n, inner.origin.get(n)!);
    }
    alias.set(name, inner.outputs.map(mapRef));
  }
  // Calls of a nested model now read the inlined layers' outputs (possibly through further nesting).
  const resolve = (r: Ref, depth = 0): Ref => {
    const to = alias.get(r[0]);
    if (!to) return r;
    if (depth > 64) throw new KerasConfigError('nested models reference each other in a cycle');
    const target = to[r[2]];
    if (!target) throw new KerasConfigError(`nested model "${r[0]}" has no output ${r[2]}`);
    return resolve(target, depth + 1);
  };
  for (const l of out)
    l.inbound_nodes = (Array.isArray(l.inbound_nodes) ? l.inbound_nodes : []).map((node) =>
      Array.isArray(node) ? node.map((r) => resolve(asRef(r))) : node,
    );
  return {
    layers: out,
    inputs: g.inputs.map((r) => resolve(r)),
    outputs: g.outputs.map((r) => resolve(r)),
    origin,
  };
}

const hasNested = (m: tf.LayersModel) => m.layers.some((l) => Array.isArray((l as tf.LayersModel).layers));

/** The layer object at a nested name path. */
function layerAt(model: tf.LayersModel, names: string[]): tf.layers.Layer {
  let cur: tf.layers.Layer = model;
  for (const n of names) cur = (cur as tf.LayersModel).getLayer(n);
  return cur;
}

/**
 * The same model with nested models inlined (weights copied); the model itself when nothing is nested.
 * Layer names must stay unique across the levels (Keras names layers globally, so they do in practice).
 */
export async function flattenModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  if (!hasNested(model)) return model;
  const top = model.toJSON(null, false) as unknown as JsonObject;
  const flat = flattenGraph(graphOf(top), []);
  const names = flat.layers.map(entryName);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new KerasConfigError(`layer name "${dup}" is used both inside and outside a nested model`);
  const built = await tf.models.modelFromJSON({
    modelTopology: {
      class_name: 'Functional',
      config: {
        name: model.name,
        layers: flat.layers,
        input_layers: flat.inputs,
        output_layers: flat.outputs,
      },
    },
  } as never);
  for (const layer of built.layers) {
    if (layer.weights.length === 0) continue;
    const from = layerAt(model, flat.origin.get(layer.name)!);
    layer.setWeights(from.getWeights());
  }
  return built;
}

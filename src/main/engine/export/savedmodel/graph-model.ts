import type { AttrValueObj, GraphDefObj, TensorShapeObj } from './types';
import { tf } from '../../tf';

/**
 * A GraphDef (decoded form) as tfjs-converter graph-model artifacts: the graph as JSON topology and
 * every Const's bytes through weightSpecs. Lets tfjs execute exactly the graph we export, and lets the
 * engine run a frozen base as an optimised graph (BatchNorm folded into the convolutions).
 */
const dims = (s: TensorShapeObj | undefined): number[] => (s?.dim ?? []).map((d) => d.size ?? 0);

function shapeJson(s: TensorShapeObj | undefined): Record<string, unknown> {
  return s?.unknownRank ? { unknownRank: true } : { dim: dims(s).map((size) => ({ size: String(size) })) };
}

/** AttrValue in the proto3 JSON mapping the converter reads (bytes base64, int64 as strings). */
function attrJson(a: AttrValueObj): Record<string, unknown> {
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  if (a.s !== undefined) return { s: b64(a.s) };
  if (a.i !== undefined) return { i: String(a.i) };
  if (a.f !== undefined) return { f: a.f };
  if (a.b !== undefined) return { b: a.b };
  if (a.type !== undefined) return { type: a.type };
  if (a.shape !== undefined) return { shape: shapeJson(a.shape) };
  if (a.tensor !== undefined)
    return { tensor: { dtype: a.tensor.dtype, tensorShape: shapeJson(a.tensor.tensorShape) } };
  if (a.list !== undefined) {
    const l = a.list;
    return {
      list: {
        s: l.s?.map(b64),
        i: l.i?.map(String),
        f: l.f,
        b: l.b,
        type: l.type,
        shape: l.shape?.map(shapeJson),
      },
    };
  }
  throw new Error(`empty AttrValue ${JSON.stringify(a)}`);
}

/** graph-model artifacts: the GraphDef as JSON topology, every Const's bytes through weightSpecs. */
export function graphModelArtifacts(g: GraphDefObj): tf.io.ModelArtifacts {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  const node = g.node.map((n) => {
    const attr: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.attr ?? {})) attr[k] = attrJson(v);
    if (n.op === 'Const') {
      const t = n.attr!.value.tensor!;
      const dtype = t.dtype === 'DT_FLOAT' ? 'float32' : t.dtype === 'DT_INT32' ? 'int32' : null;
      if (!dtype) throw new Error(`Const ${n.name} has dtype ${t.dtype}`);
      specs.push({ name: n.name, shape: dims(t.tensorShape), dtype });
      chunks.push(t.tensorContent ?? new Uint8Array(0));
    }
    return { name: n.name, op: n.op, input: n.input ?? [], attr };
  });
  const all = Buffer.concat(chunks);
  return {
    format: 'graph-model',
    modelTopology: { node, versions: { producer: g.versions.producer }, library: {} },
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
  };
}

export async function loadAsGraphModel(g: GraphDefObj): Promise<tf.GraphModel> {
  const artifacts = graphModelArtifacts(g);
  return tf.loadGraphModel({ load: async () => artifacts });
}

/**
 * A minimal ONNX ModelProto encoder: just enough (nodes with int/float attributes, typed graph inputs and
 * outputs with symbolic dims) to run small computational graphs, such as a blocked similarity product, on
 * ONNX Runtime's optimised CPU kernels. Field numbers are those of onnx/onnx.proto (IR version 8).
 */
import protobuf from 'protobufjs';

/** onnx.TensorProto.DataType */
export const OnnxType = { float: 1, int32: 6, int64: 7, bool: 9 } as const;

export interface OnnxValue {
  name: string;
  type: (typeof OnnxType)[keyof typeof OnnxType];
  /** Numbers are fixed dims, strings symbolic ones. */
  dims: (number | string)[];
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number | { float: number }>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  opset: number;
}

type W = protobuf.Writer;
const LEN = 2;
const VARINT = 0;
const FIXED32 = 5;
const tag = (field: number, wire: number) => (field << 3) | wire;

function message(w: W, field: number, body: (w: W) => void): void {
  w.uint32(tag(field, LEN)).fork();
  body(w);
  w.ldelim();
}

function valueInfo(w: W, field: number, v: OnnxValue): void {
  message(w, field, (vi) => {
    vi.uint32(tag(1, LEN)).string(v.name);
    message(vi, 2, (tp) =>
      message(tp, 1, (tt) => {
        tt.uint32(tag(1, VARINT)).int32(v.type);
        message(tt, 2, (shape) => {
          for (const d of v.dims)
            message(shape, 1, (dim) => {
              if (typeof d === 'number') dim.uint32(tag(1, VARINT)).int64(d);
              else dim.uint32(tag(2, LEN)).string(d);
            });
        });
      }),
    );
  });
}

export function encodeOnnx(g: OnnxGraph): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(tag(1, VARINT)).int64(8); // ir_version
  w.uint32(tag(2, LEN)).string('transfer-studio');
  message(w, 7, (graph) => {
    g.nodes.forEach((n, i) =>
      message(graph, 1, (node) => {
        for (const s of n.inputs) node.uint32(tag(1, LEN)).string(s);
        for (const s of n.outputs) node.uint32(tag(2, LEN)).string(s);
        node.uint32(tag(3, LEN)).string(`${n.op}_${i}`);
        node.uint32(tag(4, LEN)).string(n.op);
        for (const [name, value] of Object.entries(n.attrs ?? {}))
          message(node, 5, (a) => {
            a.uint32(tag(1, LEN)).string(name);
            if (typeof value === 'number') {
              a.uint32(tag(3, VARINT)).int64(value);
              a.uint32(tag(20, VARINT)).int32(2); // INT
            } else {
              a.uint32(tag(2, FIXED32)).float(value.float);
              a.uint32(tag(20, VARINT)).int32(1); // FLOAT
            }
          });
      }),
    );
    graph.uint32(tag(2, LEN)).string(g.name);
    for (const v of g.inputs) valueInfo(graph, 11, v);
    for (const v of g.outputs) valueInfo(graph, 12, v);
  });
  message(w, 8, (op) => {
    op.uint32(tag(1, LEN)).string('');
    op.uint32(tag(2, VARINT)).int64(g.opset);
  });
  return w.finish();
}

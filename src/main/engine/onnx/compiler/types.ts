/**
 * Plain-object ("decoded") forms of the ONNX messages in onnx-proto.ts, as protobufjs reads and writes
 * them: camelCase field names, int64 as numbers, bytes as Uint8Array.
 */

import { CodedError } from '@shared/errors';
export interface AttributeObj {
  name: string;
  /** AttributeProto.AttributeType (required since IR 2). */
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface NodeObj {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute?: AttributeObj[];
}

export interface TensorObj {
  name: string;
  dims?: number[];
  dataType: number;
  /** Little-endian, row-major. */
  rawData?: Uint8Array;
}

/** A dimension is either a fixed size or a symbolic name (the batch). */
export type DimObj = { dimValue: number } | { dimParam: string };

export interface ValueInfoObj {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: DimObj[] } } };
}

export interface GraphObj {
  node: NodeObj[];
  name: string;
  initializer?: TensorObj[];
  input: ValueInfoObj[];
  output: ValueInfoObj[];
}

export interface ModelObj {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphObj;
  metadataProps?: { key: string; value: string }[];
}

export class OnnxCompileError extends CodedError {
  override name = 'OnnxCompileError';
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}

import { CodedError } from '@shared/errors';

/**
 * Plain-object ("decoded") forms of the TensorFlow protos in tf-proto.ts, as protobufjs reads and writes
 * them: camelCase field names, enums as their names, int64 as numbers, bytes as Uint8Array. Repeated and
 * map fields may be absent when empty (that is how they decode).
 */

export type DataTypeName =
  | 'DT_FLOAT'
  | 'DT_DOUBLE'
  | 'DT_INT32'
  | 'DT_UINT8'
  | 'DT_INT8'
  | 'DT_INT64'
  | 'DT_BOOL'
  | 'DT_STRING'
  | 'DT_HALF';

export interface TensorShapeObj {
  /** A dim of size -1 is unknown; size 0 is omitted on the wire, so it may decode as absent. */
  dim?: { size?: number; name?: string }[];
  unknownRank?: boolean;
}

export interface TensorProtoObj {
  dtype: DataTypeName;
  tensorShape?: TensorShapeObj;
  /** Little-endian row-major values. */
  tensorContent?: Uint8Array;
  floatVal?: number[];
  intVal?: number[];
  int64Val?: number[];
}

export interface AttrListObj {
  s?: Uint8Array[];
  i?: number[];
  f?: number[];
  b?: boolean[];
  type?: DataTypeName[];
  shape?: TensorShapeObj[];
  tensor?: TensorProtoObj[];
}

/** Exactly one field is set (a proto oneof). */
export interface AttrValueObj {
  s?: Uint8Array;
  i?: number;
  f?: number;
  b?: boolean;
  type?: DataTypeName;
  shape?: TensorShapeObj;
  tensor?: TensorProtoObj;
  list?: AttrListObj;
}

export interface NodeDefObj {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr?: Record<string, AttrValueObj>;
}

export interface VersionDefObj {
  producer: number;
  minConsumer?: number;
  badConsumers?: number[];
}

export interface GraphDefObj {
  node: NodeDefObj[];
  versions: VersionDefObj;
}

export interface TensorInfoObj {
  name: string;
  dtype: DataTypeName;
  tensorShape: TensorShapeObj;
}

export interface SignatureDefObj {
  inputs: Record<string, TensorInfoObj>;
  outputs: Record<string, TensorInfoObj>;
  methodName: string;
}

export interface MetaGraphDefObj {
  metaInfoDef: { tags: string[]; strippedDefaultAttrs?: boolean; metaGraphVersion?: string };
  graphDef: GraphDefObj;
  signatureDef: Record<string, SignatureDefObj>;
}

export interface SavedModelObj {
  savedModelSchemaVersion: number;
  metaGraphs: MetaGraphDefObj[];
}

export type { Preprocessing } from '@shared/preprocessing';

export class SavedModelExportError extends CodedError {
  override name = 'SavedModelExportError';
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}

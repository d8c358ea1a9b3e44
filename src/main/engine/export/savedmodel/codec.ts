import { tfType } from './tf-proto';
import { SIGNATURE_KEY, type ServingGraph } from './build-graph';
import { SavedModelExportError, type SavedModelObj } from './types';

/** SavedModel schema version TensorFlow writes (and its loaders expect). */
export const SAVED_MODEL_SCHEMA_VERSION = 1;
export const SERVE_TAG = 'serve';

/** One MetaGraphDef tagged `serve`, no saver_def/collections/object graph: a frozen TF1-style SavedModel. */
export function savedModelObject(g: ServingGraph): SavedModelObj {
  return {
    savedModelSchemaVersion: SAVED_MODEL_SCHEMA_VERSION,
    metaGraphs: [
      {
        // Some attrs with defaults (e.g. explicit_paddings) are left out; loaders fill them from the op registry.
        metaInfoDef: { tags: [SERVE_TAG], strippedDefaultAttrs: true },
        graphDef: g.graphDef,
        signatureDef: { [SIGNATURE_KEY]: g.signature },
      },
    ],
  };
}

/** Serialise to saved_model.pb bytes. Same object (same key order) → same bytes. */
export function encodeSavedModel(obj: SavedModelObj): Uint8Array {
  const type = tfType('SavedModel');
  return type.encode(type.fromObject(obj as unknown as Record<string, unknown>)).finish();
}

/** Parse saved_model.pb bytes into the plain-object form (enums as names, int64 as numbers). */
export function decodeSavedModel(bytes: Uint8Array): SavedModelObj {
  const type = tfType('SavedModel');
  let msg;
  try {
    msg = type.decode(bytes);
  } catch (e) {
    throw new SavedModelExportError(`not a SavedModel protobuf: ${(e as Error).message}`);
  }
  return type.toObject(msg, { longs: Number, enums: String }) as SavedModelObj;
}

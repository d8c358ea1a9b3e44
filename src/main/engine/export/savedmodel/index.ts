/** TensorFlow SavedModel export (frozen graph, written from Node without Python). */
export {
  exportSavedModel,
  prepareSavedModel,
  type PreparedSavedModel,
  type SavedModelContent,
  type SavedModelExportOptions,
  type SavedModelExportResult,
} from './export';
export {
  buildGraphDef,
  buildServingGraph,
  CLASS_INDEX_NAME,
  INPUT_NAME,
  PREDICT_METHOD,
  PROBABILITIES_NAME,
  SIGNATURE_KEY,
  type ServingGraph,
} from './build-graph';
export { decodeSavedModel, encodeSavedModel, savedModelObject, SERVE_TAG } from './codec';
export { SUPPORTED_LAYERS } from './emitters';
export { GRAPH_PRODUCER } from './graph-builder';
export { TF_PROTO } from './tf-proto';
export * from './types';

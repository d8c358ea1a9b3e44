/** Weights and BatchNorm folding are format-neutral: they live with the walker in engine/graph. */
export * from '../../graph/weights';

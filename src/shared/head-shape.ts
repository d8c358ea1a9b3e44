import type { HeadInfo, HeadLayerInfo, HeadSpec } from './head';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Most parameters a head may have. Training holds ~16 bytes per parameter (weights, gradients and
 * Adam's two moments, float32), so 64 M is ~1 GiB; an unchecked Flatten → Dense 65536 (822 M on
 * MobileNet v1 0.25, billions on larger bases) grew the engine to 14 GB before the OOM killer came.
 * The largest preset on a registry base, Keras (Flatten → Dense 256) on ResNet50's 7×7×2048, is
 * 25.7 M: the budget leaves it a 2.5× margin.
 */
export const MAX_HEAD_PARAMS = 64_000_000;

const millions = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} M`;
const overBudget = (total: number) =>
  `the head would have ${millions(total)} parameters, over the ${millions(MAX_HEAD_PARAMS)} limit (pool before Dense, or use fewer units)`;

/**
 * Shape inference for a head on a feature map of `inputShape` (no batch dim) ending in a softmax Dense
 * of `numClasses`. Pure, so the engine and the editor agree. Stops at the first impossible layer.
 */
export function inferHead(spec: HeadSpec, inputShape: number[], numClasses: number): HeadInfo {
  const layers: HeadLayerInfo[] = [];
  let total = 0;
  let shape = [...inputShape];
  let error: HeadInfo['error'];
  const fail = (index: number, message: string) => {
    error ??= { index, message };
    return message;
  };
  spec.layers.forEach((layer, index) => {
    if (error) {
      layers.push({
        index,
        type: layer.type,
        outputShape: [],
        params: 0,
        trainableParams: 0,
        error: 'after an invalid layer',
      });
      return;
    }
    let params = 0;
    let trainable = 0;
    let err: string | undefined;
    switch (layer.type) {
      case 'globalAveragePooling':
      case 'globalMaxPooling':
        if (shape.length !== 3)
          err = fail(index, `global pooling needs a [height, width, channels] feature map, got [${shape}]`);
        else shape = [shape[2]];
        break;
      case 'flatten':
        shape = [prod(shape)];
        break;
      case 'dense': {
        const inUnits = shape[shape.length - 1];
        params = trainable = inUnits * layer.units + layer.units;
        shape = [...shape.slice(0, -1), layer.units];
        break;
      }
      case 'dropout':
        break;
      case 'batchNormalization': {
        const c = shape[shape.length - 1];
        params = 4 * c;
        trainable = 2 * c;
        break;
      }
    }
    total += params;
    // Checked here, layer by layer, so the block that crosses the budget is the one flagged.
    if (!err && total > MAX_HEAD_PARAMS) err = fail(index, overBudget(total));
    layers.push({
      index,
      type: layer.type,
      outputShape: err ? [] : [...shape],
      params,
      trainableParams: trainable,
      error: err,
    });
  });
  const ci = spec.layers.length;
  const classifierError = error
    ? undefined
    : shape.length !== 1
      ? `the classifier needs a flat vector but gets [${shape}]: add Flatten or global pooling before it`
      : numClasses < 2
        ? `need at least two classes, got ${numClasses}`
        : total + shape[0] * numClasses + numClasses > MAX_HEAD_PARAMS
          ? overBudget(total + shape[0] * numClasses + numClasses)
          : undefined;
  if (classifierError) {
    fail(ci, classifierError);
    layers.push({
      index: ci,
      type: 'classifier',
      outputShape: [],
      params: 0,
      trainableParams: 0,
      error: classifierError,
    });
  } else {
    const p = error ? 0 : shape[0] * numClasses + numClasses;
    layers.push({
      index: ci,
      type: 'classifier',
      outputShape: error ? [] : [numClasses],
      params: p,
      trainableParams: p,
    });
  }
  return {
    inputShape: [...inputShape],
    layers,
    totalParams: layers.reduce((a, l) => a + l.params, 0),
    trainableParams: layers.reduce((a, l) => a + l.trainableParams, 0),
    error,
  };
}

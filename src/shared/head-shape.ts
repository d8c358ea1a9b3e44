import type { HeadInfo, HeadLayerInfo, HeadSpec } from './head';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Shape inference for a head on a feature map of `inputShape` (no batch dim) ending in a softmax Dense
 * of `numClasses`. Pure, so the engine and the editor agree. Stops at the first impossible layer.
 */
export function inferHead(spec: HeadSpec, inputShape: number[], numClasses: number): HeadInfo {
  const layers: HeadLayerInfo[] = [];
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

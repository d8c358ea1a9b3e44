import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import type { BaseDescription, BaseCard } from '@shared/ipc/bases';
import { TrainConfig } from '@shared/train';
import { topN, trainableParams, unfrozenLayers } from './fine-tune';
import { headSummary } from './run-labels';
import { smoothEma } from './smooth';
import { formatDuration } from './format';
import { startProblems } from './validate';

const layer = (name: string, params: number, className = 'Conv2D') => ({
  name,
  className,
  params,
  outputShape: [],
});
const desc: BaseDescription = {
  id: 'b',
  ref: 'b',
  displayName: 'B',
  dir: '/b',
  inputSize: [224, 224],
  preprocessing: 'tf',
  featureLayer: 'relu2',
  featureShape: [7, 7, 8],
  params: 0,
  layers: [
    layer('input', 0, 'InputLayer'),
    layer('conv1', 10),
    layer('bn1', 8, 'BatchNormalization'),
    layer('relu1', 0, 'ReLU'),
    layer('conv2', 20),
    layer('relu2', 0, 'ReLU'),
  ],
};
const card: BaseCard = {
  id: 'mobilenet_v1_0.25_224',
  displayName: 'M',
  inputSize: 224,
  params: 1,
  sizeBytes: 1,
  imagenetTop1: null,
  featureShape: [7, 7, 256],
  state: 'local',
  detail: '',
  custom: false,
};

describe('fine-tune layer choice (mirrors the engine)', () => {
  it('"top N" means the top N layers that hold weights', () => {
    const spec = topN(desc, 2, null);
    expect(spec.fromLayer).toBe('bn1');
    expect(unfrozenLayers(desc, spec).map((l) => l.name)).toEqual(['bn1', 'conv2']);
    expect(unfrozenLayers(desc, topN(desc, 99, null)).map((l) => l.name)).toEqual(['conv1', 'bn1', 'conv2']);
    expect(unfrozenLayers(desc, null)).toEqual([]);
    // Without fromLayer the engine counts all layers from the top, then keeps those with weights.
    expect(unfrozenLayers(desc, { layers: 2, epochs: 1, learningRate: 1e-5 }).map((l) => l.name)).toEqual([
      'conv2',
    ]);
    expect(trainableParams(desc.layers[2])).toBe(4);
  });
});

describe('start checks', () => {
  const base = {
    config: TrainConfig.parse({ base: card.id, head: HEAD_PRESETS.keras }),
    datasetOpen: true,
    numClasses: 2,
    featureShape: [7, 7, 256],
    base: card,
    invalidFields: [],
    running: false,
  };
  it('passes a good setup and names each problem otherwise', () => {
    expect(startProblems(base)).toEqual([]);
    expect(startProblems({ ...base, datasetOpen: false })[0]).toMatch(/Open a dataset/);
    expect(startProblems({ ...base, running: true })).toContain('A run is already training: stop it first.');
    expect(startProblems({ ...base, invalidFields: ['Epochs: must be ≥ 1'] })).toContain(
      'Epochs: must be ≥ 1',
    );
    const bad = {
      ...base.config,
      head: HeadSpec.parse({ layers: [{ type: 'flatten' }, { type: 'globalMaxPooling' }] }),
    };
    expect(startProblems({ ...base, config: bad }).join()).toMatch(/layer 2/);
    expect(
      startProblems({ ...base, base: { ...card, state: 'unavailable', detail: 'convert it' } }).join(),
    ).toMatch(/not available: convert it/);
    expect(startProblems({ ...base, config: { ...base.config, epochs: 0 } }).join()).toMatch(/^epochs:/);
  });
});

describe('display helpers', () => {
  it('smooths like TensorBoard: starts at the first value, follows a constant exactly', () => {
    expect(smoothEma([5, 5, 5], 0.6)).toEqual([5, 5, 5].map(() => expect.closeTo(5, 10)));
    const s = smoothEma([0, 10, 0, 10], 0.6);
    expect(s[0]).toBe(0);
    expect(Math.max(...s.slice(1))).toBeLessThan(10);
  });
  it('labels heads and durations', () => {
    expect(headSummary(HeadSpec.parse(HEAD_PRESETS.keras))).toBe('Flatten → Dense 256 → Dropout 0.5');
    expect(headSummary({ layers: [] })).toBe('(classifier only)');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });
});

import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { KERAS_RECIPE_AUGMENT } from '@shared/augment';
import { DEFAULT_REVIEW_COUNT, parseTrainArgs, type TrainRequest } from './train-args';

/** A new run's request (not `--resume`), for its config. */
function newRun(r: TrainRequest | null) {
  if (r?.kind !== 'new') throw new Error(`expected a new run, got ${r?.kind ?? 'help'}`);
  return r;
}

describe('train --recipe', () => {
  it('keras-vgg16 sets the Keras recipe: VGG16, Flatten → Dense 256 → Dropout 0.5, shear/zoom/flip, Adam 1e-3, 10 epochs', () => {
    const r = newRun(parseTrainArgs(['--data', 'x', '--recipe', 'keras-vgg16']));
    expect(r.config).toMatchObject({
      base: 'vgg16',
      optimizer: 'adam',
      learningRate: 1e-3,
      epochs: 10,
      earlyStopping: null,
      fineTune: null,
    });
    expect(r.config.head).toEqual(HeadSpec.parse(HEAD_PRESETS.keras));
    expect(r.config.augment).toEqual(KERAS_RECIPE_AUGMENT);
  });

  it('flags given beside a recipe override its fields', () => {
    const r = newRun(
      parseTrainArgs(['--data', 'x', '--recipe', 'keras-vgg16', '--epochs', '2', '--base', 'resnet50']),
    );
    expect(r.config).toMatchObject({ base: 'resnet50', epochs: 2, learningRate: 1e-3 });
  });

  it('--resume takes the run’s own recipe: a recipe or config flag beside it is a usage error', () => {
    expect(parseTrainArgs(['--resume', 'runs/x', '--json'])).toMatchObject({
      kind: 'resume',
      runDir: 'runs/x',
    });
    expect(() => parseTrainArgs(['--resume', 'runs/x', '--recipe', 'keras-vgg16'])).toThrow(
      /--recipe cannot be given with it/,
    );
  });

  it('an unknown recipe is a usage error naming the known ones', () => {
    expect(() => parseTrainArgs(['--data', 'x', '--recipe', 'vgg'])).toThrow(
      /unknown --recipe vgg \(one of keras-vgg16\)/,
    );
  });
});

const parse = (...args: string[]) => newRun(parseTrainArgs(['--data', 'd', ...args]));

describe('train flags of issue 13', () => {
  it('head auto by default; no dedupe, no review', () => {
    expect(parse()).toMatchObject({ headAuto: true, dedupe: false, review: 0 });
  });

  it('--head auto chooses by cross-validation; a named head, --lr or a recipe’s head turns it off', () => {
    expect(parse('--head', 'auto').headAuto).toBe(true);
    expect(parse('--head', 'auto', '--lr', '0.01').headAuto).toBe(true);
    expect(parse('--head', 'keras')).toMatchObject({ headAuto: false, config: { head: HEAD_PRESETS.keras } });
    const light = parse('--head', 'light');
    expect(light.headAuto).toBe(false);
    expect(light.config.head).toMatchObject(HeadSpec.parse(HEAD_PRESETS.light));
    expect(parse('--lr', '0.01')).toMatchObject({ headAuto: false, config: { learningRate: 0.01 } });
    expect(parse('--recipe', 'keras-vgg16').headAuto).toBe(false);
  });

  it('--review takes an optional count, in any position', () => {
    expect(parse('--review').review).toBe(DEFAULT_REVIEW_COUNT);
    expect(parse('--review', '25', '--dedupe')).toMatchObject({ review: 25, dedupe: true });
    expect(parse('--review=3').review).toBe(3);
    expect(parse('--dedupe', '--review').review).toBe(DEFAULT_REVIEW_COUNT);
  });

  it('a bad count or a stray argument is one usage line', () => {
    expect(() => parse('--review=0')).toThrow(/--review takes a count of at least 1, got '0'/);
    expect(() => parse('--review=x')).toThrow(/--review takes a count/);
    expect(() => parse('stray')).toThrow(/Unexpected argument 'stray'/);
    expect(() => parse('--review', '2', 'stray')).toThrow(/Unexpected argument 'stray'/);
  });

  it('the duplicate search keeps its defaults unless --dup-threshold, --dup-margin or --dup-phash-bits is given', () => {
    expect(parse().duplicates).toEqual({ embeddingThreshold: 0.7, localMargin: 0.23, phashMaxDistance: 8 });
    expect(parse('--dup-threshold', '0.9', '--dup-margin', '0', '--dup-phash-bits=4').duplicates).toEqual({
      embeddingThreshold: 0.9,
      localMargin: 0,
      phashMaxDistance: 4,
    });
  });

  it('a duplicate setting out of range or not a number is one usage line naming its flag', () => {
    expect(() => parse('--dup-threshold', '1.5')).toThrow(/^--dup-threshold: .*1/);
    expect(() => parse('--dup-phash-bits', '2.5')).toThrow(/^--dup-phash-bits: /);
    expect(() => parse('--dup-phash-bits', '99')).toThrow(/^--dup-phash-bits: .*24/);
    expect(() => parse('--dup-margin', 'x')).toThrow('--dup-margin must be a number, got "x"');
    expect(() => parse('--dup-threshold=')).toThrow('--dup-threshold must be a number, got ""');
  });
});

describe('--resume with the flags of issue 13', () => {
  it("refuses --dedupe and --review (they change what trains, which is the run's own)", () => {
    expect(() => parseTrainArgs(['--resume', 'r', '--dedupe'])).toThrow(/--dedupe cannot be given with it/);
    expect(() => parseTrainArgs(['--resume', 'r', '--review', '3'])).toThrow(/--review cannot be given/);
  });
});

import type { SetInfo, SetNumbers } from '../../src/main/engine/store/store';

/** A small synthetic store set shared by the store tests and their child writer processes. */
export const TEST_SIZE = 96;
export const TEST_SET: SetNumbers = {
  base: 'test-base',
  resize: 'stretch',
  preprocessing: 'tf',
  inputSize: [224, 224],
  form: 'avg',
  precision: 'float16',
};
export const TEST_INFO: SetInfo = {
  baseId: 'test_base',
  baseName: 'Test base',
  featureShape: [2, 2, TEST_SIZE],
  vectorShape: [TEST_SIZE],
};

/** Deterministic ReLU6-like values per image index. */
export const testVector = (i: number) =>
  Float32Array.from({ length: TEST_SIZE }, (_, c) => Math.abs(Math.sin(i * 0.37 + c * 1.3)) * 6);

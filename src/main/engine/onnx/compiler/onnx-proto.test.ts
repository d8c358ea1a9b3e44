import { describe, expect, it } from 'vitest';
import { attr } from './builder';
import { decodeModel, encodeModel } from './compile';
import { samePads } from './layout';
import type { ModelObj } from './types';

/** Protobuf key byte: field number << 3 | wire type (0 varint, 2 length-delimited). */
const key = (field: number, wire: 0 | 2) => (field << 3) | wire;

describe('ONNX ModelProto encoding', () => {
  it('writes onnx.proto’s field numbers (checked byte by byte, not through our own schema)', () => {
    const model: ModelObj = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: 'p',
      producerVersion: '1',
      graph: {
        node: [
          {
            input: ['x'],
            output: ['y'],
            name: 'n',
            opType: 'Relu',
            attribute: [{ name: 'a', ...attr.i(3) }],
          },
        ],
        name: 'g',
        input: [],
        output: [],
      },
    };
    const bytes = Array.from(encodeModel(model));
    // ModelProto.ir_version = 1 (varint 8)
    expect(bytes.slice(0, 2)).toEqual([key(1, 0), 8]);
    // ModelProto.producer_name = 2, producer_version = 3
    expect(bytes.slice(2, 7)).toEqual([key(2, 2), 1, 0x70, key(3, 2), 1]);
    // ModelProto.graph = 7 → GraphProto.node = 1 → NodeProto input 1, output 2, name 3, op_type 4,
    // attribute 5 → AttributeProto name 1, i 3, type 20 (INT = 2)
    const node = [
      key(1, 2),
      1,
      0x78,
      key(2, 2),
      1,
      0x79,
      key(3, 2),
      1,
      0x6e,
      key(4, 2),
      4,
      ...Buffer.from('Relu'),
    ];
    const attribute = [key(1, 2), 1, 0x61, key(3, 0), 3, 0xa0, 0x01, 2];
    const nodeBytes = [...node, key(5, 2), attribute.length, ...attribute];
    const graphBytes = [key(1, 2), nodeBytes.length, ...nodeBytes, key(2, 2), 1, 0x67];
    const at = bytes.indexOf(key(7, 2), 7);
    expect(bytes.slice(at, at + 2 + graphBytes.length)).toEqual([
      key(7, 2),
      graphBytes.length,
      ...graphBytes,
    ]);
    // ModelProto.opset_import = 8 → OperatorSetIdProto domain 1 (''), version 2 (17)
    expect(bytes.slice(-6)).toEqual([key(8, 2), 4, key(1, 2), 0, key(2, 0), 17]);
    expect(decodeModel(Uint8Array.from(bytes))).toMatchObject({
      irVersion: 8,
      opsetImport: [{ version: 17 }],
    });
  });
});

describe('TensorFlow SAME padding', () => {
  it.each([
    [224, 3, 2, 1, [0, 1]], // even size, stride 2: the odd pixel goes after
    [225, 3, 2, 1, [1, 1]],
    [9, 2, 2, 1, [0, 1]],
    [5, 3, 2, 1, [1, 1]],
    [17, 3, 1, 2, [2, 2]], // dilation 2: a 5-wide effective kernel
    [7, 1, 1, 1, [0, 0]],
    [4, 5, 3, 1, [2, 2]],
  ])('size %i, kernel %i, stride %i, dilation %i → %j', (size, k, s, d, pads) => {
    expect(samePads(size, k, s, d)).toEqual(pads);
  });
});

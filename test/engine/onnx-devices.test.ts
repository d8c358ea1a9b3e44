/**
 * Device selection for the frozen base on ONNX Runtime, on this machine (Linux x64, no NVIDIA GPU, the
 * CUDA provider not installed): `auto` falls back to the CPU and says why each better device was
 * skipped; a forced `cuda` fails in one line (from the engine and from the CLI); webgpu only runs when
 * asked; `npm run setup:cuda` fails clearly when NuGet cannot be reached.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compileFeatureModel } from '../../src/main/engine/onnx/compiler';
import {
  assertDeviceAvailable,
  candidates,
  deviceRow,
  listDevices,
  OrtDeviceError,
} from '../../src/main/engine/onnx/devices';
import { createSession, describeDevice } from '../../src/main/engine/onnx/session';
import { HYMENOPTERA } from '../helpers/shared';

const exec = promisify(execFile);
const REPO = path.resolve(__dirname, '../..');
const noCudaHere =
  process.platform === 'linux' && process.arch === 'x64' && deviceRow('cuda').unavailable() !== null;

let model: Uint8Array;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const inp = tf.input({ shape: [8, 8, 3] });
  const out = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, activation: 'relu' })
    .apply(inp) as tf.SymbolicTensor;
  model = compileFeatureModel(tf.model({ inputs: inp, outputs: out })).bytes;
});

describe('ONNX Runtime devices', () => {
  it('auto tries cuda → dml → coreml → cpu (never webgpu) and reports why each better one was skipped', async () => {
    expect(candidates('auto').map((d) => d.name)).toEqual(['cuda', 'dml', 'coreml', 'cpu']);
    expect(candidates('webgpu').map((d) => d.name)).toEqual(['webgpu']);
    const { session, report } = await createSession(model, { device: 'auto', threads: 2 });
    await session.release();
    const line = describeDevice(report);
    console.log(line);
    if (process.platform === 'linux') {
      expect(report.name).toBe(noCudaHere ? 'cpu' : 'cuda');
      expect(report.unavailable.map((u) => u.name)).toEqual(noCudaHere ? ['cuda', 'dml', 'coreml'] : []);
      if (noCudaHere) {
        expect(report.unavailable[0].why).toMatch(/npm run setup:cuda/);
        expect(report.unavailable[1].why).toBe('DirectML is only available on Windows');
        expect(report.unavailable[2].why).toBe('CoreML is only available on macOS');
        expect(line).toMatch(
          /^onnxruntime cpu on CPU \(2 threads\) — cuda unavailable \(.+\); dml unavailable \(.+\); coreml unavailable \(.+\)$/,
        );
      }
    }
    expect(line).not.toContain('\n');
    expect(listDevices().find((d) => d.name === 'cpu')?.unavailable).toBeNull();
  });

  it.runIf(noCudaHere)('a forced cuda fails with one line that says what is missing', async () => {
    const err = await createSession(model, { device: 'cuda' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(OrtDeviceError);
    expect(err!.message).toMatch(
      /^device cuda cannot start: CUDA provider libraries are not installed .*npm run setup:cuda/,
    );
    expect(err!.message).not.toContain('\n');
    expect(() => assertDeviceAvailable('cuda')).toThrow(err!.message);
    expect(() => assertDeviceAvailable('dml')).toThrow(
      'device dml cannot start: DirectML is only available on Windows',
    );
  });

  it.runIf(noCudaHere)('`train --device cuda` exits with that one line before doing any work', async () => {
    const r = await exec(
      process.execPath,
      [
        path.join(REPO, 'node_modules/tsx/dist/cli.mjs'),
        'src/main/engine/cli/main.ts',
        'train',
        '--data',
        HYMENOPTERA,
        '--device',
        'cuda',
      ],
      { cwd: REPO },
    ).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(r?.code).toBe(2);
    const lines = r!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: device cuda cannot start: CUDA provider libraries are not installed/);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    '`npm run setup:cuda` fails with a clear message when NuGet cannot be reached (and changes nothing)',
    async () => {
      // A proxy on a closed port makes the download fail here whether or not the machine is online.
      const r = await exec(process.execPath, [path.join(REPO, 'scripts/setup-cuda.mjs')], {
        cwd: REPO,
        env: {
          ...process.env,
          GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9',
          GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9',
        },
        timeout: 60_000,
      }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(r?.code).toBe(1);
      const last = r!.stderr.trim().split('\n').pop()!;
      expect(last).toMatch(
        /^setup:cuda: cannot reach NuGet to download the CUDA provider \(.+\)\. .*nothing was changed/,
      );
      if (noCudaHere) expect(deviceRow('cuda').unavailable()).toMatch(/not installed/);
    },
  );
});

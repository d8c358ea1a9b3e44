import type { FeatureBase } from '../bases/load';
import { compileOutputsModel } from '../onnx/compiler';
import type { DevicePreference } from '../onnx/devices';
import { FEATURE_TOLERANCE, probeInput, relativeDiff } from '../onnx/extractor';
import { createSession, describeDevice, loadOrt, type DeviceReport } from '../onnx/session';
import { tf } from '../tf';
import type { FrozenRunner } from './frozen-graph';

/** Largest |ort − tfjs| over the outputs, each relative to that output's largest |tfjs| value. */
function worstRelative(got: Float32Array[], ref: Float32Array[]): number {
  return Math.max(0, ...ref.map((r, j) => relativeDiff(got[j], r)));
}

/**
 * A frozen model with several outputs on ONNX Runtime: compiled once to ONNX (each output NHWC, as tfjs
 * has it), one session on the best device, checked output by output against the tfjs layers model on a
 * probe batch (≤ 1e-4 relative, as feature extraction requires), so what is cached does not depend on
 * the device. Throws OnnxCompileError (a layer it cannot compile) or OrtDeviceError (no device).
 */
export async function ortFrozenRunner(
  model: tf.LayersModel,
  base: FeatureBase,
  o: { device?: DevicePreference; threads?: number } = {},
): Promise<FrozenRunner & { report: DeviceReport }> {
  // The graph reads raw RGB bytes and preprocesses them itself (as feature extraction's does).
  const compiled = compileOutputsModel(model, {}, 64, base.preprocessing);
  const ort = await loadOrt();
  const [h, w] = base.inputSize;
  const sizes = compiled.outputShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const runOn = async (
    session: Awaited<ReturnType<typeof createSession>>['session'],
    x: Uint8Array,
    n: number,
  ) => {
    const out = await session.run({ images: new ort.Tensor('uint8', x, [n, h, w, 3]) });
    return compiled.outputNames.map((name) => out[name].data as Float32Array);
  };
  const { session, report } = await createSession(compiled.bytes, {
    device: o.device,
    threads: o.threads,
    verify: async (s) => {
      const probe = probeInput(base, 2);
      const ref = tf.tidy(() => {
        const ys = model.predict(tf.tensor4d(probe.floats, [2, h, w, 3]));
        return (Array.isArray(ys) ? ys : [ys]).map((y) => y.dataSync() as Float32Array);
      });
      const rel = worstRelative(await runOn(s, probe.bytes, 2), ref);
      return rel <= FEATURE_TOLERANCE
        ? null
        : `its outputs differ from tfjs by ${rel.toExponential(1)} (relative), more than ${FEATURE_TOLERANCE}`;
    },
  });
  // Runs are queued: one session, one batch at a time (it uses every core itself).
  let queue: Promise<unknown> = Promise.resolve();
  return {
    kind: 'onnxruntime',
    reads: 'pixels',
    report,
    why: undefined,
    outputSizes: sizes,
    describe: () => describeDevice(report),
    run(input: Uint8Array, n: number) {
      const run = queue.then(() => runOn(session, input, n));
      queue = run.catch(() => undefined);
      return run;
    },
    dispose() {
      void queue.then(() => session.release());
    },
  };
}

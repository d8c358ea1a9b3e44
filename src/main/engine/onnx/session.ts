import os from 'node:os';
import type * as OrtTypes from 'onnxruntime-node';
import { candidates, OrtDeviceError, type DeviceName, type DevicePreference } from './devices';

export type Ort = typeof OrtTypes;
export type OrtSession = OrtTypes.InferenceSession;

let ortModule: Promise<Ort> | null = null;

/** onnxruntime-node, loaded on first use (a warm run never needs it; a broken install is a reason, not a crash). */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default ?? m) as Ort,
    (e: Error) => {
      ortModule = null;
      throw new OrtDeviceError(`onnxruntime-node failed to load: ${e.message.split('\n')[0]}`);
    },
  );
  return ortModule;
}

/** Which device a session runs on and why each better one was not used (same shape as BackendReport). */
export interface DeviceReport {
  name: DeviceName;
  hardware: string;
  /** Intra-op threads of the session (its CPU work). */
  threads: number;
  unavailable: { name: DeviceName; why: string }[];
}

/** "onnxruntime cpu on CPU (2 threads) — cuda unavailable (…); dml unavailable (…)", like describeBackend. */
export function describeDevice(r: DeviceReport, extra = ''): string {
  const skipped = r.unavailable.map((u) => `${u.name} unavailable (${u.why})`).join('; ');
  return `onnxruntime ${r.name} on ${r.hardware} (${r.threads} threads${extra})${skipped ? ` — ${skipped}` : ''}`;
}

export interface CreateSessionOptions {
  device?: DevicePreference;
  /** Intra-op threads; default one per core (one session uses every core, not one engine per core). */
  threads?: number;
  /**
   * Checks a started session (e.g. against tfjs on a probe image); returns why it is unusable or null.
   * An unusable device counts as unavailable: `auto` moves on to the next one.
   */
  verify?: (session: OrtSession) => Promise<string | null>;
}

const firstLine = (e: unknown) =>
  String((e as Error)?.message ?? e)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)[0] ?? 'unknown error';

/**
 * One inference session for `model` on the best device the preference allows: `auto` tries
 * cuda → dml → coreml → cpu and records why each better one was skipped; a forced device that cannot
 * start throws OrtDeviceError with its reason in one line.
 */
export async function createSession(
  model: Uint8Array,
  opts: CreateSessionOptions = {},
): Promise<{ session: OrtSession; report: DeviceReport }> {
  const pref = opts.device ?? 'auto';
  const threads = opts.threads ?? Math.max(1, os.availableParallelism());
  const unavailable: DeviceReport['unavailable'] = [];
  for (const row of candidates(pref)) {
    let why = row.unavailable();
    if (!why) {
      let session: OrtSession | null = null;
      try {
        const ort = await loadOrt();
        session = await ort.InferenceSession.create(model, {
          executionProviders: [row.provider],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          executionMode: 'sequential',
          // Idle intra-op threads sleep instead of spinning: decoding (sharp) of the next batch runs on
          // the same cores meanwhile, and on a busy machine spinning threads stall each other.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        });
        why = opts.verify ? await opts.verify(session) : null;
      } catch (e) {
        why = firstLine(e);
      }
      if (!why && session)
        return { session, report: { name: row.name, hardware: row.hardware, threads, unavailable } };
      await session?.release().catch(() => undefined);
    }
    unavailable.push({ name: row.name, why: why ?? 'failed to start' });
  }
  if (pref !== 'auto') throw new OrtDeviceError(`device ${pref} cannot start: ${unavailable[0]?.why}`);
  throw new OrtDeviceError(
    `no ONNX Runtime device could start: ${unavailable.map((u) => `${u.name}: ${u.why}`).join('; ')}`,
  );
}

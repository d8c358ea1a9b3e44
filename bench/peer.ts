/**
 * The PyTorch CPU peer (`../shared/bench/torch_recipe.py`: decode + frozen MobileNetV2-0.35 every epoch,
 * linear head), when Debian's python3-torch/torchvision are installed; otherwise each result says why not.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { measured, type Load } from './measure';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';

export type PeerRun = { seconds: number; torch: string; load: Load } | { seconds: null; why: string };

let torchVersion: Promise<string | { why: string }> | null = null;
function torch(): Promise<string | { why: string }> {
  torchVersion ??= exec(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__)'], {
    timeout: 120_000,
  }).then(
    (r) => r.stdout.trim(),
    (e) => ({
      why: `${PYTHON} cannot import torch/torchvision: ${String(
        (e as { stderr?: string }).stderr || (e as Error).message,
      )
        .trim()
        .split('\n')
        .pop()}`,
    }),
  );
  return torchVersion;
}

/** One run of the recipe for `epochs` epochs: its own timing (seconds), as it prints it. */
export async function runPeer(script: string, data: string, epochs: number): Promise<PeerRun> {
  const v = await torch();
  if (typeof v !== 'string') return { seconds: null, why: v.why };
  const { result, load } = await measured(`PyTorch peer (${epochs} epoch${epochs > 1 ? 's' : ''})`, () =>
    exec(PYTHON, [script, data, String(epochs)], { timeout: 1_800_000 }),
  );
  const seconds = Number(result.stdout.trim().split('\n').pop());
  if (!Number.isFinite(seconds))
    return { seconds: null, why: `unexpected peer output: ${result.stdout.slice(0, 200)}` };
  return { seconds, torch: v, load };
}

/** Images one peer epoch decodes and runs through the base: train + val files it accepts (jpg/jpeg/png). */
export async function peerImages(data: string): Promise<number> {
  let n = 0;
  for (const split of ['train', 'val'])
    for (const cls of await readdir(path.join(data, split)))
      n += (await readdir(path.join(data, split, cls))).filter((f) => /\.(jpe?g|png)$/i.test(f)).length;
  return n;
}

/** Whole-file writes that readers never see half-done: a temp file beside the target, then rename. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const tempName = (target: string) => `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;

/** `data` as a list of parts is written in order without joining them first. */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | readonly Uint8Array[],
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    if (Array.isArray(data)) await writeParts(tmp, data as readonly Uint8Array[]);
    else await writeFile(tmp, data as string | Uint8Array);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

async function writeParts(file: string, parts: readonly Uint8Array[]): Promise<void> {
  const fh = await open(file, 'w');
  try {
    let rest = parts.filter((p) => p.byteLength > 0);
    // writev may write less than asked (and takes at most IOV_MAX buffers): go on from where it stopped.
    while (rest.length > 0) {
      const batch = rest.slice(0, 512);
      let { bytesWritten } = await fh.writev(batch);
      let i = 0;
      while (i < batch.length && bytesWritten >= batch[i].byteLength) bytesWritten -= batch[i++].byteLength;
      rest = [
        ...(i < batch.length ? [batch[i].subarray(bytesWritten)] : []),
        ...batch.slice(i + 1),
        ...rest.slice(batch.length),
      ];
    }
  } finally {
    await fh.close();
  }
}

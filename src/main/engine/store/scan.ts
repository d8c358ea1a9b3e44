import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../util/write-atomic';
import {
  CHUNK_HEADER,
  checkChunkHeader,
  checkRecord,
  DTYPE,
  encodeIdx,
  parseIdx,
  recordBytes,
  type IdxEntry,
} from './format';
import { HOST_TAG, OPEN_CHUNKS } from './writer';

/** A chunk whose writer is gone, as seen by a later reader. */
export interface LoadedChunk {
  name: string;
  entries: IdxEntry[];
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Whether the writer of chunk `name` (`<host>-<pid>-<random>-<seq>`) may still be appending to it. A pid
 * is only checked on the host that wrote it; chunks from other hosts count as live for a day.
 */
export async function writerMayBeAlive(dir: string, name: string): Promise<boolean> {
  const [host, pidText] = name.split('-');
  const pid = Number(pidText);
  if (host !== HOST_TAG || !Number.isInteger(pid) || pid <= 0) {
    const s = await stat(path.join(dir, `${name}.chunk`)).catch(() => null);
    return !!s && Date.now() - s.mtimeMs < DAY_MS;
  }
  if (pid === process.pid) return OPEN_CHUNKS.has(name);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Every valid record of a chunk, read sequentially in large blocks. A record that fails its checks is
 * skipped (the scan resynchronises on the next record header); a truncated tail ends the scan.
 */
export async function scanChunk(
  file: string,
  setKey: string,
  vectorSize: number,
): Promise<{ headerOk: boolean; entries: IdxEntry[]; bytes: number }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(CHUNK_HEADER);
    await fh.read(head, 0, CHUNK_HEADER, 0);
    if (!checkChunkHeader(head, setKey, vectorSize)) return { headerOk: false, entries: [], bytes: size };
    const entries: IdxEntry[] = [];
    const block = Math.max(8 << 20, 4 * recordBytes(DTYPE.f32, vectorSize));
    const buf = Buffer.alloc(block);
    let pos = CHUNK_HEADER;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(block, size - pos), pos);
      if (bytesRead <= 0) break;
      const view = buf.subarray(0, bytesRead);
      const atEnd = pos + bytesRead >= size;
      let i = 0;
      while (i < view.length) {
        const r = checkRecord(view, i, vectorSize);
        if (r.status === 'ok') {
          entries.push({ key: view.toString('latin1', i + 16, i + 32), offset: pos + i, dtype: r.dtype });
          i += r.bytes;
        } else if (r.status === 'truncated') break;
        else i += 4;
      }
      if (i === 0 || (atEnd && i < view.length)) break; // nothing more fits: a torn tail
      pos += i;
    }
    return { headerOk: true, entries, bytes: size };
  } finally {
    await fh.close();
  }
}

async function readHeader(file: string): Promise<Buffer | null> {
  try {
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(CHUNK_HEADER);
      const { bytesRead } = await fh.read(head, 0, CHUNK_HEADER, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
}

/**
 * Loads every chunk of a set folder. Sealed chunks come from their index (checked: checksum, set, chunk
 * header, and every entry inside the chunk's current length; a shorter chunk means truncation, and the
 * index is rewritten without the lost records). Chunks without an index are scanned; if their writer is
 * gone they are sealed (indexed) now, and ones with nothing valid are removed. Foreign or damaged files
 * never make it into the index.
 */
export async function loadChunks(
  dir: string,
  setKey: string,
  vectorSize: number,
  onDropped: (count: number) => void,
): Promise<LoadedChunk[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const chunks = new Set(names.filter((n) => n.endsWith('.chunk')).map((n) => n.slice(0, -6)));
  const idxs = new Set(names.filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4)));
  const out: LoadedChunk[] = [];
  for (const name of [...chunks].sort()) {
    const chunkFile = path.join(dir, `${name}.chunk`);
    const idxFile = path.join(dir, `${name}.idx`);
    if (idxs.has(name)) {
      const parsed = parseIdx(await readFile(idxFile).catch(() => Buffer.alloc(0)), setKey, vectorSize);
      const head = await readHeader(chunkFile);
      if (!head || !checkChunkHeader(head, setKey, vectorSize)) {
        onDropped(parsed?.entries.length ?? 0);
        await Promise.all([rm(chunkFile, { force: true }), rm(idxFile, { force: true })]);
        continue;
      }
      if (parsed) {
        const size = (await stat(chunkFile)).size;
        if (size >= parsed.chunkBytes) {
          out.push({ name, entries: parsed.entries });
          continue;
        }
        // Truncated: keep the records that are still whole (their checksums are verified on read).
        const kept = parsed.entries.filter((e) => e.offset + recordBytes(e.dtype, vectorSize) <= size);
        onDropped(parsed.entries.length - kept.length);
        await writeFileAtomic(idxFile, encodeIdx(setKey, vectorSize, size, kept)).catch(() => undefined);
        out.push({ name, entries: kept });
        continue;
      }
      // A damaged index: fall through and rebuild it from the chunk.
      await rm(idxFile, { force: true });
    }
    const scanned = await scanChunk(chunkFile, setKey, vectorSize).catch(() => null);
    if (!scanned) continue;
    const alive = await writerMayBeAlive(dir, name);
    if (!alive && (!scanned.headerOk || scanned.entries.length === 0)) {
      await rm(chunkFile, { force: true });
      continue;
    }
    if (!alive)
      await writeFileAtomic(idxFile, encodeIdx(setKey, vectorSize, scanned.bytes, scanned.entries)).catch(
        () => undefined,
      );
    out.push({ name, entries: scanned.entries });
  }
  // An index whose chunk is gone (cleared under a running writer) is noise.
  for (const name of idxs) if (!chunks.has(name)) await rm(path.join(dir, `${name}.idx`), { force: true });
  return out;
}

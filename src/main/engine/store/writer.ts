import { createHash, randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../util/write-atomic';
import {
  CHUNK_HEADER,
  encodeChunkHeader,
  encodeIdx,
  encodeRecord,
  type Dtype,
  type IdxEntry,
} from './format';

/** Short tag of this machine: a pid only means something on the host that wrote it. */
export const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);

/** `<host>-<pid>-<random>`: unique per writer, so two writers (processes or runs) never share a file. */
export const newWriterId = () => `${HOST_TAG}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Chunks this process is appending to right now (its own finished or abandoned chunks are not). */
export const OPEN_CHUNKS = new Set<string>();

/**
 * Records are buffered and written in blocks of about this size, this many records, or after this long:
 * a killed run keeps all but its last few dozen records (small pooled vectors on a fast provider would
 * otherwise sit in memory for the whole second).
 */
const FLUSH_BYTES = 256 << 10;
const FLUSH_RECORDS = 32;
const FLUSH_MS = 1000;

export interface WrittenLoc {
  chunk: number;
  offset: number;
}

/**
 * Appends records to chunk files only this writer touches, rolling over at `maxChunkBytes`. Sealing a
 * chunk writes its index atomically; a chunk without one (a killed writer) is recovered by scanning.
 * A write error (full disk, read-only folder) stops writing for good: records already written stay
 * valid, later ones are simply not stored.
 */
export class ChunkWriter {
  readonly id = newWriterId();
  error: Error | null = null;
  private handle: FileHandle | null = null;
  private name = '';
  private chunkNo = -1;
  private seq = 0;
  private written = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingSince = 0;
  private entries: IdxEntry[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly setKey: string,
    private readonly vectorSize: number,
    private readonly maxChunkBytes: number,
    /** Called with each new chunk's base name; returns the number readers use for it. */
    private readonly register: (name: string) => number,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private fail(e: unknown) {
    this.error ??= e as Error;
  }

  append(key: string, dtype: Dtype, payload: Uint8Array): Promise<WrittenLoc | null> {
    const rec = encodeRecord(key, dtype, payload);
    return this.serial(async () => {
      if (this.error) return null;
      try {
        if (this.handle && this.written + this.pendingBytes + rec.length > this.maxChunkBytes)
          await this.sealCurrent();
        if (!this.handle) await this.openNext();
        const offset = this.written + this.pendingBytes;
        if (!this.pendingBytes) this.pendingSince = Date.now();
        this.pending.push(rec);
        this.pendingBytes += rec.length;
        this.entries.push({ key, offset, dtype });
        if (
          this.pendingBytes >= FLUSH_BYTES ||
          this.pending.length >= FLUSH_RECORDS ||
          Date.now() - this.pendingSince >= FLUSH_MS
        )
          await this.writePending();
        return { chunk: this.chunkNo, offset };
      } catch (e) {
        this.fail(e);
        await this.abandon();
        return null;
      }
    });
  }

  /** Everything appended so far is on disk (readable by offset) when this resolves. */
  flush(): Promise<void> {
    return this.serial(async () => {
      if (this.error || !this.handle) return;
      try {
        await this.writePending();
      } catch (e) {
        this.fail(e);
        await this.abandon();
      }
    });
  }

  /** Seals the open chunk (writes its index). */
  close(): Promise<void> {
    return this.serial(async () => {
      if (this.error || !this.handle) return;
      try {
        await this.sealCurrent();
      } catch (e) {
        this.fail(e);
        await this.abandon();
      }
    });
  }

  private async openNext() {
    this.name = `${this.id}-${String(this.seq++).padStart(5, '0')}`;
    const file = path.join(this.dir, `${this.name}.chunk`);
    this.handle = await open(file, 'wx');
    OPEN_CHUNKS.add(this.name);
    this.chunkNo = this.register(this.name);
    await this.handle.write(encodeChunkHeader(this.setKey, this.vectorSize), 0, CHUNK_HEADER, 0);
    this.written = CHUNK_HEADER;
    this.entries = [];
  }

  private async writePending() {
    if (!this.pendingBytes || !this.handle) return;
    const bufs = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const { bytesWritten } = await this.handle.writev(bufs, this.written);
    if (bytesWritten !== bytes) throw new Error(`short write (${bytesWritten} of ${bytes} bytes)`);
    this.written += bytes;
  }

  private async sealCurrent() {
    await this.writePending();
    const handle = this.handle!;
    this.handle = null;
    OPEN_CHUNKS.delete(this.name);
    await handle.close();
    const base = path.join(this.dir, this.name);
    if (this.entries.length === 0) await rm(`${base}.chunk`, { force: true });
    else
      await writeFileAtomic(
        `${base}.idx`,
        encodeIdx(this.setKey, this.vectorSize, this.written, this.entries),
      );
    this.entries = [];
  }

  /** After an error: keep what was fully written (index it if possible), drop the rest. */
  private async abandon() {
    const handle = this.handle;
    this.handle = null;
    this.pending = [];
    this.pendingBytes = 0;
    if (!handle) return;
    OPEN_CHUNKS.delete(this.name);
    await handle.close().catch(() => undefined);
    const kept = this.entries.filter((e) => e.offset < this.written);
    this.entries = [];
    if (kept.length)
      await writeFileAtomic(
        path.join(this.dir, `${this.name}.idx`),
        encodeIdx(this.setKey, this.vectorSize, this.written, kept),
      ).catch(() => undefined);
  }
}

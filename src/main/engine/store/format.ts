/**
 * On-disk layout of the feature store (version 1). Everything is little-endian and 4-byte aligned.
 *
 * chunk file (`*.chunk`): a 64-byte header, then records appended one after another.
 *   header: "TSFSCHNK" | u32 version | u32 vectorSize | setKey (32 ASCII) | 12 zero bytes | u32 crc32(0..60)
 *   record: u32 magic "TSR1" | u32 payloadBytes | u8 dtype, 3 zero | u32 crc | key (16) | payload | pad to 4
 *           crc = crc32 over bytes 4..12, the key and the payload: a flipped bit anywhere is caught.
 * index file (`*.idx`, written once when its chunk is sealed): key → offset for every record in the chunk.
 *   "TSFSIDX1" | u32 version | u32 vectorSize | setKey (32) | u32 count | u32 chunkBytes | 8 zero |
 *   count × (key (16) | u32 offset | u8 dtype, 3 zero) | u32 crc32(everything before)
 * The set key and vector size in both headers mean a file from another set, layout or version is never
 * read as ours.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const FORMAT_VERSION = 1;
export const DTYPE = { f16: 1, f32: 2 } as const;
export type Dtype = (typeof DTYPE)[keyof typeof DTYPE];
export const bytesPerValue = (d: Dtype) => (d === DTYPE.f16 ? 2 : 4);

export const KEY_BYTES = 16;
export const CHUNK_HEADER = 64;
export const RECORD_HEADER = 32;
const IDX_HEADER = 64;
const IDX_ENTRY = 24;
const CHUNK_MAGIC = Buffer.from('TSFSCHNK', 'latin1');
const IDX_MAGIC = Buffer.from('TSFSIDX1', 'latin1');
const RECORD_MAGIC = 0x31525354; // "TSR1"

const align4 = (n: number) => (n + 3) & ~3;
export const payloadBytes = (d: Dtype, vectorSize: number) => vectorSize * bytesPerValue(d);
export const recordBytes = (d: Dtype, vectorSize: number) =>
  RECORD_HEADER + align4(payloadBytes(d, vectorSize));

/** The record key: which image content, which view. 16 bytes of sha256, as a latin1 string. */
export function recordKey(contentHash: string, viewTag: string): string {
  return createHash('sha256').update(`${contentHash}/${viewTag}`).digest().toString('latin1', 0, KEY_BYTES);
}

function recordCrc(buf: Uint8Array, at: number, payloadLen: number): number {
  let c = crc32(buf.subarray(at + 4, at + 12));
  c = crc32(buf.subarray(at + 16, at + 32), c);
  return crc32(buf.subarray(at + 32, at + 32 + payloadLen), c);
}

export function encodeRecord(key: string, dtype: Dtype, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(RECORD_HEADER + align4(payload.byteLength));
  out.writeUInt32LE(RECORD_MAGIC, 0);
  out.writeUInt32LE(payload.byteLength, 4);
  out[8] = dtype;
  out.write(key, 16, 'latin1');
  out.set(payload, 32);
  out.writeUInt32LE(recordCrc(out, 0, payload.byteLength), 12);
  return out;
}

export type RecordCheck =
  | { status: 'ok'; dtype: Dtype; payloadStart: number; payloadBytes: number; bytes: number }
  | { status: 'truncated' }
  | { status: 'bad'; why: string };

/** Validates the record at `buf[at]`: magic, dtype, length for this vector size, key (if given), crc. */
export function checkRecord(buf: Buffer, at: number, vectorSize: number, key?: string): RecordCheck {
  if (at + RECORD_HEADER > buf.length) return { status: 'truncated' };
  if (buf.readUInt32LE(at) !== RECORD_MAGIC) return { status: 'bad', why: 'no record header' };
  const dtype = buf[at + 8];
  if (dtype !== DTYPE.f16 && dtype !== DTYPE.f32) return { status: 'bad', why: 'unknown dtype' };
  const len = buf.readUInt32LE(at + 4);
  if (len !== payloadBytes(dtype, vectorSize)) return { status: 'bad', why: 'wrong length' };
  const bytes = RECORD_HEADER + align4(len);
  if (at + bytes > buf.length) return { status: 'truncated' };
  if (key !== undefined && buf.toString('latin1', at + 16, at + 32) !== key)
    return { status: 'bad', why: 'wrong key' };
  if (buf.readUInt32LE(at + 12) !== recordCrc(buf, at, len)) return { status: 'bad', why: 'checksum' };
  return { status: 'ok', dtype, payloadStart: at + RECORD_HEADER, payloadBytes: len, bytes };
}

export function encodeChunkHeader(setKey: string, vectorSize: number): Buffer {
  const out = Buffer.alloc(CHUNK_HEADER);
  CHUNK_MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(vectorSize, 12);
  out.write(setKey.padEnd(32, ' ').slice(0, 32), 16, 'latin1');
  out.writeUInt32LE(crc32(out.subarray(0, 60)), 60);
  return out;
}

export function checkChunkHeader(buf: Buffer, setKey: string, vectorSize: number): boolean {
  return (
    buf.length >= CHUNK_HEADER && buf.subarray(0, CHUNK_HEADER).equals(encodeChunkHeader(setKey, vectorSize))
  );
}

export interface IdxEntry {
  /** The 16 key bytes as a latin1 string (compact, usable as a Map key). */
  key: string;
  offset: number;
  dtype: Dtype;
}

export function encodeIdx(
  setKey: string,
  vectorSize: number,
  chunkBytes: number,
  entries: IdxEntry[],
): Buffer {
  const out = Buffer.alloc(IDX_HEADER + entries.length * IDX_ENTRY + 4);
  IDX_MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(vectorSize, 12);
  out.write(setKey.padEnd(32, ' ').slice(0, 32), 16, 'latin1');
  out.writeUInt32LE(entries.length, 48);
  out.writeUInt32LE(chunkBytes, 52);
  entries.forEach((e, i) => {
    const at = IDX_HEADER + i * IDX_ENTRY;
    out.write(e.key, at, 'latin1');
    out.writeUInt32LE(e.offset, at + 16);
    out[at + 20] = e.dtype;
  });
  out.writeUInt32LE(crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

/** Entry count of an index file from its header alone (for size reports); null if not an index. */
export function idxCount(head: Buffer): number | null {
  return head.length >= IDX_HEADER && head.subarray(0, 8).equals(IDX_MAGIC) ? head.readUInt32LE(48) : null;
}

/** null when the file is not a valid index of this set (wrong magic, version, set, size or checksum). */
export function parseIdx(
  buf: Buffer,
  setKey: string,
  vectorSize: number,
): { chunkBytes: number; entries: IdxEntry[] } | null {
  if (buf.length < IDX_HEADER + 4 || !buf.subarray(0, 8).equals(IDX_MAGIC)) return null;
  if (buf.readUInt32LE(8) !== FORMAT_VERSION || buf.readUInt32LE(12) !== vectorSize) return null;
  if (buf.toString('latin1', 16, 48) !== setKey.padEnd(32, ' ').slice(0, 32)) return null;
  const count = buf.readUInt32LE(48);
  if (buf.length !== IDX_HEADER + count * IDX_ENTRY + 4) return null;
  if (buf.readUInt32LE(buf.length - 4) !== crc32(buf.subarray(0, buf.length - 4))) return null;
  const entries: IdxEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = IDX_HEADER + i * IDX_ENTRY;
    const dtype = buf[at + 20];
    if (dtype !== DTYPE.f16 && dtype !== DTYPE.f32) return null;
    entries[i] = { key: buf.toString('latin1', at, at + 16), offset: buf.readUInt32LE(at + 16), dtype };
  }
  return { chunkBytes: buf.readUInt32LE(52), entries };
}

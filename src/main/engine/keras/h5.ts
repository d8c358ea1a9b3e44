/**
 * A thin layer over h5wasm (the HDF5 C library in WebAssembly) for Keras files: strings read as the
 * bytes h5py wrote (UTF-8, whatever the declared charset), Keras' split name lists, float datasets.
 */
import { CodedError } from '@shared/errors';
import path from 'node:path';
// Types only: the library is imported when a Keras file is first read (h5()). Its 4 MB glue script costs
// tsx (the CLI, the dev engine process) ~5 s to load, which every command would otherwise pay at start.
import type H5Wasm from 'h5wasm/node';
import type { Dataset, Group } from 'h5wasm/node';

export class KerasFileError extends CodedError {
  override name = 'KerasFileError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

type H5Module = Awaited<typeof H5Wasm.ready>;
let modulePromise: Promise<H5Module> | null = null;
let loaded: H5Module | null = null;
/** The library, once h5() has imported it (everything below runs after `await h5()`). */
let h5wasm: typeof H5Wasm;

/** The HDF5 module, loaded once; its errors throw instead of printing HDF5-DIAG noise and continuing. */
export function h5(): Promise<H5Module> {
  modulePromise ??= import('h5wasm/node').then(async (lib) => {
    h5wasm = lib.default;
    const m = await h5wasm.ready;
    m.activate_throwing_error_handler();
    loaded = m;
    return m;
  });
  return modulePromise;
}

/** The loaded module, for code running inside `withH5` (which has awaited it). */
function mod(): H5Module {
  if (!loaded) throw new KerasFileError('the HDF5 module is not loaded yet (await h5() first)');
  return loaded;
}

/** First useful line of an HDF5 error stack (the `#000` frame names the failing call). */
function hdf5Reason(e: unknown): string {
  const lines = String((e as Error)?.message ?? e).split('\n');
  const frame = lines.find((l) => /#000/.test(l));
  return (frame ?? lines[0]).replace(/^.*\bin\s+/, '').trim();
}

/** Open an HDF5 file, run `fn`, always close it. */
export async function withH5<T>(
  file: string,
  mode: 'r' | 'w',
  fn: (f: InstanceType<typeof H5Wasm.File>) => T | Promise<T>,
): Promise<T> {
  await h5();
  let f: InstanceType<typeof H5Wasm.File>;
  try {
    f = new h5wasm.File(file, mode);
  } catch (e) {
    throw new KerasFileError(
      mode === 'r'
        ? `${file} is not a readable HDF5 file — truncated, damaged or another format (${hdf5Reason(e)})`
        : `cannot create ${file} (${hdf5Reason(e)})`,
    );
  }
  try {
    return await fn(f);
  } catch (e) {
    if (e instanceof KerasFileError) throw e;
    // HDF5 errors deep in a read (a truncated or damaged file) come as multi-line stacks: keep one line.
    throw new KerasFileError(
      `${path.basename(file)}: HDF5 ${mode === 'r' ? 'read' : 'write'} failed (${hdf5Reason(e)})`,
    );
  } finally {
    f.close();
  }
}

type Node = Group | Dataset;

/** An attribute's value: strings decoded from their bytes as UTF-8; numbers as a plain array. */
export function readAttr(obj: Node, name: string): string | string[] | number[] | null {
  const Module = mod();
  const meta = Module.get_attribute_metadata(obj.file_id, obj.path, name);
  if (!meta.shape) return null;
  const scalar = meta.shape.length === 0;
  if (meta.type !== Module.H5T_class_t.H5T_STRING.value) {
    const v = obj.attrs[name].value;
    if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, Number);
    throw new KerasFileError(`attribute ${obj.path}:${name} has an unsupported type`);
  }
  const count = meta.total_size;
  const nbytes = meta.size * count;
  const ptr = Module._malloc(Math.max(1, nbytes));
  const out: string[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  try {
    Module.get_attribute_data(obj.file_id, obj.path, name, BigInt(ptr));
    const heap = Module.HEAPU8;
    if (meta.vlen) {
      const ptrs = new Uint32Array(heap.buffer, ptr, count);
      for (const p of Array.from(ptrs)) {
        if (p === 0) {
          out.push('');
          continue;
        }
        let end = p;
        while (heap[end] !== 0) end++;
        out.push(utf8.decode(heap.subarray(p, end)));
      }
      Module.reclaim_vlen_memory(obj.file_id, obj.path, name, BigInt(ptr));
    } else {
      for (let i = 0; i < count; i++) {
        let bytes = heap.subarray(ptr + i * meta.size, ptr + (i + 1) * meta.size);
        const nul = bytes.indexOf(0);
        if (nul >= 0) bytes = bytes.subarray(0, nul);
        // SPACEPAD (Fortran-style) strings are padded with blanks rather than NULs.
        let s = utf8.decode(bytes);
        if (meta.strpad === 2) s = s.replace(/ +$/, '');
        out.push(s);
      }
    }
  } finally {
    Module._free(ptr);
  }
  return scalar ? out[0] : out;
}

export function attrNames(obj: Node): string[] {
  return Object.keys(obj.attrs);
}

/** A string attribute, or null when absent. */
export function readStringAttr(obj: Node, name: string): string | null {
  if (!attrNames(obj).includes(name)) return null;
  const v = readAttr(obj, name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  throw new KerasFileError(`attribute ${obj.path}:${name} is not a string`);
}

/**
 * A list of names as Keras stores it: `name`, or split into `name0`, `name1`, … when over HDF5's 64 KB
 * object-header limit. An empty list is written by numpy as a float array of length 0.
 */
export function readNameList(obj: Node, name: string): string[] | null {
  const names = new Set(attrNames(obj));
  const parts: string[] = [];
  if (names.has(name)) parts.push(name);
  else for (let i = 0; names.has(`${name}${i}`); i++) parts.push(`${name}${i}`);
  if (parts.length === 0) return null;
  const out: string[] = [];
  for (const part of parts) {
    const v = readAttr(obj, part);
    if (v === null) continue;
    if (typeof v === 'string') out.push(v);
    else if (v.length === 0) continue;
    else if (v.every((x) => typeof x === 'string')) out.push(...(v as string[]));
    else throw new KerasFileError(`attribute ${obj.path}:${part} is not a list of names`);
  }
  return out;
}

/** A child group by (possibly nested) name; external links are refused, as Keras refuses them. */
export function getGroup(parent: Group, name: string): Group | null {
  const child = parent.get(name);
  if (child === null) return null;
  if (child instanceof h5wasm.Group) return child;
  if (child instanceof h5wasm.Dataset) return null;
  throw new KerasFileError(`${parent.path}/${name} is a link to outside the file; refusing to follow it`);
}

export interface FloatArray {
  shape: number[];
  data: Float32Array;
}

/** A dataset as float32 (Keras weights are float32; float64 and integers are converted). */
export function readFloatDataset(parent: Group, name: string): FloatArray | null {
  const child = parent.get(name);
  if (child === null) return null;
  if (!(child instanceof h5wasm.Dataset)) throw new KerasFileError(`${parent.path}/${name} is not a dataset`);
  const meta = child.metadata;
  const Module = mod();
  const numeric =
    meta.type === Module.H5T_class_t.H5T_FLOAT.value || meta.type === Module.H5T_class_t.H5T_INTEGER.value;
  if (!numeric || (meta.type === Module.H5T_class_t.H5T_FLOAT.value && meta.size === 2))
    throw new KerasFileError(`${child.path} has dtype ${String(child.dtype)}, which is not supported`);
  if (!meta.littleEndian && meta.size > 1)
    throw new KerasFileError(`${child.path} is big-endian (${String(child.dtype)}), which is not supported`);
  const shape = child.shape ?? [];
  const v = child.value;
  const data =
    v instanceof Float32Array
      ? v
      : ArrayBuffer.isView(v)
        ? Float32Array.from(v as unknown as ArrayLike<number | bigint>, Number)
        : typeof v === 'number' || typeof v === 'bigint'
          ? Float32Array.of(Number(v))
          : null;
  if (!data) throw new KerasFileError(`${child.path} could not be read as numbers`);
  return { shape, data };
}

/** Create `a/b/c` group by group (h5wasm does not create intermediate groups as h5py does). */
export function ensureGroup(root: Group, nested: string): Group {
  let g = root;
  for (const part of nested.split('/').filter(Boolean)) {
    const existing = g.get(part);
    g = existing instanceof h5wasm.Group ? existing : g.create_group(part);
  }
  return g;
}

/** A float32 dataset at a possibly nested name (`conv1/kernel:0` → group `conv1`, dataset `kernel:0`). */
export function writeFloatDataset(parent: Group, name: string, shape: number[], data: Float32Array): void {
  const slash = name.lastIndexOf('/');
  const g = slash >= 0 ? ensureGroup(parent, name.slice(0, slash)) : parent;
  g.create_dataset({ name: name.slice(slash + 1), data, shape, dtype: '<f' });
}

/** Keras' HDF5 object-header limit for one attribute (bytes). */
export const HDF5_OBJECT_HEADER_LIMIT = 64512;

const utf8Len = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Write a list of names as Keras does with h5py: fixed-length byte strings (numpy `S<n>`), split into
 * `name0`, `name1`, … (numpy.array_split) while one chunk would exceed the header limit; an empty list
 * as numpy writes `np.asarray([])` (float64, length 0).
 */
export function writeNameList(obj: Node, name: string, values: string[]): void {
  if (values.length === 0) {
    obj.create_attribute(name, new Float64Array(0), [0], '<d');
    return;
  }
  const width = Math.max(1, ...values.map(utf8Len));
  if (width > HDF5_OBJECT_HEADER_LIMIT)
    throw new KerasFileError(`a name in ${name} is longer than ${HDF5_OBJECT_HEADER_LIMIT} bytes`);
  let chunks = 1;
  const split = (n: number) => {
    // numpy.array_split: the first (len % n) chunks get one extra element.
    const base = Math.floor(values.length / n);
    const extra = values.length % n;
    const out: string[][] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      const size = base + (i < extra ? 1 : 0);
      out.push(values.slice(at, at + size));
      at += size;
    }
    return out;
  };
  // numpy computes one width for the whole array, so every chunk keeps it.
  while (split(chunks).some((c) => c.length * width > HDF5_OBJECT_HEADER_LIMIT)) chunks++;
  const parts = split(chunks);
  if (parts.length === 1) obj.create_attribute(name, values, [values.length], `A${width}`);
  else parts.forEach((p, i) => obj.create_attribute(`${name}${i}`, p, [p.length], `A${width}`));
}

/** A scalar byte-string attribute, as h5py stores `attrs[k] = b'...'` (variable-length ASCII). */
export function writeBytesAttr(obj: Node, name: string, value: string): void {
  obj.create_attribute(name, value, null, 'A');
}

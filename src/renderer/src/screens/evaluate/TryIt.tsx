/**
 * "Try it": drop images or a folder anywhere on the Evaluate screen (or choose files) and get the run's
 * top-k predictions. Electron sends paths (folders are expanded by main); a browser cannot reveal
 * paths, so it uploads the bytes.
 */
import { useRef, useState } from 'react';
import type { DragEvent, HTMLAttributes } from 'react';
import type { RequestInput } from '@shared/ipc/contract';
import type { Prediction } from '@shared/ipc/prediction';
import type { RunView } from '@shared/ipc/run-record';
import { api, call, errorText } from '../../api/client';
import { GradCamView, type GradCamItem } from './GradCamView';
import { ProbBars } from './ProbBars';

type Item = RequestInput<'predictImages'>['items'][number];
const IMAGE = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif)$/i;
const MAX_FILES = 100;
/** Per request: a few images, a few MB of base64 (browser mode's WebSocket frame stays small). */
const CHUNK_ITEMS = 8;
const CHUNK_BYTES = 8_000_000;

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(',')[1] ?? '');
    r.onerror = () => reject(r.error ?? new Error(`cannot read ${file.name}`));
    r.readAsDataURL(file);
  });
}

/** Files inside dropped folders (browser mode), via the File and Directory Entries API. */
async function filesFromEntries(entries: FileSystemEntry[]): Promise<File[]> {
  const out: File[] = [];
  const walk = async (e: FileSystemEntry): Promise<void> => {
    if (out.length >= MAX_FILES) return;
    if (e.isFile) {
      if (IMAGE.test(e.name))
        out.push(await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej)));
      return;
    }
    const reader = (e as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child);
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

export interface TryItState {
  run: RunView;
  results: Prediction[];
  busy: boolean;
  error: string | null;
  /** Files are being dragged over the screen. */
  over: boolean;
  fromFiles(files: File[]): Promise<void>;
  clear(): void;
  /** What Grad-CAM needs to see a result's image again (a path, or the uploaded bytes), by result name. */
  sourceOf(name: string): GradCamItem | null;
  /** Spread on the element that takes drops (the whole screen): marks it as its own drop zone. */
  dropProps: HTMLAttributes<HTMLElement> & { 'data-own-drop': string };
}

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');

export function useTryIt(run: RunView | null): TryItState | null {
  const [results, setResults] = useState<Prediction[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const k = Math.min(5, run?.classes.length ?? 1);
  const sources = useRef(new Map<string, GradCamItem>());

  const predict = async (items: Item[]) => {
    if (items.length === 0 || !run) return;
    setBusy(true);
    setError(null);
    try {
      const chunks: Item[][] = [[]];
      let bytes = 0;
      for (const it of items) {
        sources.current.set(it.name, 'data' in it ? { name: it.name, data: it.data } : { path: it.path });
        const size = 'data' in it ? it.data.length : 0;
        const cur = chunks[chunks.length - 1];
        if (cur.length >= CHUNK_ITEMS || (cur.length > 0 && bytes + size > CHUNK_BYTES)) {
          chunks.push([]);
          bytes = 0;
        }
        chunks[chunks.length - 1].push(it);
        bytes += size;
      }
      for (const c of chunks) {
        const r = await call('predictImages', { runId: run.id, items: c, k });
        setResults((prev) => [...r.predictions, ...prev].slice(0, 200));
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const fromFiles = async (files: File[]) => {
    const getPath = api().getPathForFile;
    if (getPath) return predict(files.map((f) => ({ name: f.name, path: getPath(f) })));
    const images = files.filter((f) => IMAGE.test(f.name) || f.type.startsWith('image/')).slice(0, MAX_FILES);
    if (images.length === 0) return setError('No images among the dropped files.');
    return predict(await Promise.all(images.map(async (f) => ({ name: f.name, data: await readBase64(f) }))));
  };

  const onDrop = async (e: DragEvent) => {
    setOver(false);
    const dt = e.dataTransfer;
    const files = Array.from(dt.files);
    if (api().getPathForFile) return fromFiles(files);
    const entries = Array.from(dt.items)
      .map((i) => i.webkitGetAsEntry?.())
      .filter((x): x is FileSystemEntry => !!x);
    if (entries.some((en) => en.isDirectory)) return fromFiles(await filesFromEntries(entries));
    return fromFiles(files);
  };

  const live = !!run?.live;
  const dropProps: TryItState['dropProps'] = {
    'data-own-drop': '',
    onDragEnter: (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(true);
    },
    onDragOver: (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = live ? 'copy' : 'none';
    },
    onDragLeave: (e) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
    },
    onDrop: (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (live) void onDrop(e);
      else setOver(false);
    },
  };
  if (!run) return null;
  return {
    run,
    results,
    busy,
    error,
    over,
    fromFiles,
    clear: () => {
      sources.current.clear();
      setResults([]);
    },
    sourceOf: (name) => sources.current.get(name) ?? null,
    dropProps,
  };
}

export function TryIt({ state }: { state: TryItState }) {
  const { run, results, busy, error, over, fromFiles } = state;
  const [heat, setHeat] = useState<number | null>(null);
  return (
    <div className="card tryit" data-testid="try-it">
      <h2>Try it</h2>
      {!run.live && (
        <p className="muted">
          This run's model is no longer in memory (the app or engine restarted, or newer runs replaced it).
          Train again to try it.
        </p>
      )}
      <div
        className={`drop-zone${over ? ' over' : ''}${!run.live ? ' disabled' : ''}`}
        data-testid="tryit-drop"
      >
        <span>Drop images or a folder anywhere on this screen</span>
        <label className="file-button">
          <input
            type="file"
            accept="image/*"
            multiple
            disabled={!run.live || busy}
            data-testid="tryit-input"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              void fromFiles(files);
            }}
          />
          Choose images…
        </label>
        {busy && <span className="muted">predicting…</span>}
        {results.length > 0 && (
          <button type="button" onClick={state.clear}>
            Clear
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="tryit-results">
        {results.map((p, i) => (
          <li key={`${p.name}-${i}`} data-testid="tryit-result">
            {p.thumb ? <img src={p.thumb} alt={p.name} /> : <span className="miss-noimg">?</span>}
            <div>
              <div className="tryit-name" title={p.name}>
                <strong data-testid="tryit-top">{p.top[0]?.label ?? '—'}</strong>{' '}
                <span className="muted small">{p.name}</span>
              </div>
              {p.error ? <p className="error small">{p.error}</p> : <ProbBars rows={p.top} />}
              {!p.error && run.live && p.thumb && state.sourceOf(p.name) && (
                <button
                  type="button"
                  data-testid="tryit-heatmap"
                  onClick={() => setHeat(heat === i ? null : i)}
                >
                  {heat === i ? 'Hide heatmap' : 'Heatmap'}
                </button>
              )}
              {heat === i && p.thumb && state.sourceOf(p.name) && (
                <GradCamView
                  runId={run.id}
                  item={state.sourceOf(p.name)!}
                  photo={p.thumb}
                  classes={run.classes}
                />
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

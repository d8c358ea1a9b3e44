/**
 * Step 6: write the chosen run's model in the chosen formats (all land together or none) into a folder,
 * with progress, the resulting paths, and "show in folder" (Electron) or the path to copy (browser).
 */
import { useState } from 'react';
import {
  DEFAULT_EXPORT_FORMATS,
  EXPORT_FORMATS,
  ExportFormatId,
  type ExportOutcome,
} from '@shared/export-formats';
import type { RunView } from '@shared/ipc/run-record';
import { call, errorText } from '../../api/client';
import { ProgressBar } from '../../components/ProgressBar';
import { RunPicker } from '../../components/RunPicker';
import { formatBytes } from '../../lib/format';
import { useAppState } from '../../state/app-state';
import { useRuns } from '../../state/runs';
import { FolderBrowser } from '../dataset/FolderBrowser';
import './export.css';

const PARENT_KEY = 'transfer-studio.exportParent';

const stamp = (iso: string) => {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
};
const defaultName = (r: RunView) =>
  `${r.datasetName}-${r.config.base}-${stamp(r.createdAt)}`.replace(/[^\w.-]+/g, '_');

function ExportPath(p: {
  path: string;
  label: string;
  size?: number;
  electron: boolean;
  onShow(path: string): void;
  onCopy(path: string): void;
}) {
  return (
    <li data-testid="export-path" data-path={p.path}>
      <span className="muted">{p.label}</span>
      <code className="break">{p.path}</code>
      {p.size !== undefined && <span className="muted small">{formatBytes(p.size)}</span>}
      {p.electron ? (
        <button type="button" onClick={() => p.onShow(p.path)}>
          Show in folder
        </button>
      ) : (
        <button
          type="button"
          onClick={() => p.onCopy(p.path)}
          title="Browser mode: the files are on the server"
        >
          Copy path
        </button>
      )}
    </li>
  );
}

export function ExportScreen() {
  const { info, jobs } = useAppState();
  const { selected } = useRuns();
  const run = selected?.summary ? selected : null;
  const sep = info?.pathSep ?? '/';
  const [formats, setFormats] = useState<ExportFormatId[]>([...DEFAULT_EXPORT_FORMATS]);
  const toggle = (id: ExportFormatId) =>
    setFormats((f) => ExportFormatId.options.filter((o) => (o === id ? !f.includes(o) : f.includes(o))));
  const [parent, setParent] = useState<string>(
    () => localStorage.getItem(PARENT_KEY) ?? `${info?.homeDir ?? '~'}${sep}Transfer Studio exports`,
  );
  const [names, setNames] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ExportOutcome | null>(null);
  const [browsing, setBrowsing] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  const name = run ? (names[run.id] ?? defaultName(run)) : '';
  const outDir = `${parent.replace(/[\\/]+$/, '')}${sep}${name}`;
  const job = Object.values(jobs).find((j) => j.kind === 'export');

  const doExport = async () => {
    if (!run) return;
    setBusy(true);
    setError(null);
    setResult(null);
    localStorage.setItem(PARENT_KEY, parent);
    try {
      setResult(await call('exportModel', { runId: run.id, outDir, formats }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const pick = async () => {
    if (!info?.canPickFolder) return setBrowsing(true);
    const r = await call('pickFolder', { title: 'Export into folder' }).catch(() => null);
    if (r?.path) setParent(r.path);
  };
  const show = (path: string) => void call('showInFolder', { path }).catch((e) => setError(errorText(e)));
  const copy = (path: string) =>
    void navigator.clipboard.writeText(path).then(
      () => setNote(`Copied ${path}`),
      () => setNote(`Select and copy: ${path}`),
    );

  const electron = info?.mode === 'electron';
  return (
    <section className="screen export-screen" aria-label="Export">
      <div className="screen-head">
        <h1>Export</h1>
        <RunPicker />
      </div>
      {!run && (
        <div className="card empty-state" data-testid="no-run">
          <p>No trained run yet — train one in step 4.</p>
        </div>
      )}
      {run && !run.live && (
        <div className="banner banner-info" role="status">
          <span>
            This run's model is no longer in memory (the app or engine restarted, or newer runs replaced it).
            Open its configuration in Train (Run history → Load config) and train again to export it.
          </span>
        </div>
      )}
      {run && (
        <div className="card export-form">
          <fieldset className="export-formats">
            <legend>Formats</legend>
            {ExportFormatId.options.map((id) => (
              <label key={id} className="export-format">
                <input
                  type="checkbox"
                  name="format"
                  value={id}
                  checked={formats.includes(id)}
                  onChange={() => toggle(id)}
                />
                <span>
                  <strong>{EXPORT_FORMATS[id].label}</strong>{' '}
                  <span className="muted small">{EXPORT_FORMATS[id].hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="export-parent">
              Into folder{info?.mode === 'browser' ? ' (on the server)' : ''}
            </label>
            <div className="row">
              <input id="export-parent" value={parent} onChange={(e) => setParent(e.target.value)} />
              <button type="button" onClick={() => void pick()}>
                Browse…
              </button>
            </div>
          </div>
          <div className="field">
            <label htmlFor="export-name">Export name (a new folder)</label>
            <input
              id="export-name"
              value={name}
              onChange={(e) => setNames((n) => ({ ...n, [run.id]: e.target.value }))}
            />
          </div>
          <p className="muted small">
            Writes <code className="break">{outDir}</code>
            {formats.map((id) => (
              <span key={id}> · {EXPORT_FORMATS[id].folder}/</span>
            ))}{' '}
            — all written to a temporary folder first, then moved into place together (a previous export stays
            as it was if anything fails).
          </p>
          <div className="export-actions">
            <button
              type="button"
              className="primary"
              data-testid="export-button"
              disabled={busy || !run.live || !name.trim() || !parent.trim() || formats.length === 0}
              onClick={() => void doExport()}
            >
              {busy ? 'Exporting…' : 'Export'}
            </button>
            {busy && (
              <div className="export-progress" data-testid="export-progress">
                <ProgressBar done={job?.done ?? 0} total={job?.total ?? 0} label="Export progress" />
                <span className="muted small">
                  {job && job.total > 0 ? `${job.done} / ${job.total} formats written` : 'starting…'}
                </span>
              </div>
            )}
          </div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
      {result && (
        <div className="card export-result" data-testid="export-result">
          <h2>Exported in {(result.ms / 1000).toFixed(1)} s</h2>
          <ul className="export-paths">
            <ExportPath path={result.outDir} label="Folder" electron={electron} onShow={show} onCopy={copy} />
            {ExportFormatId.options.map((id) => {
              const out = result.formats[id];
              return (
                out && (
                  <ExportPath
                    key={id}
                    path={out.dir}
                    label={EXPORT_FORMATS[id].label}
                    size={out.bytes}
                    electron={electron}
                    onShow={show}
                    onCopy={copy}
                  />
                )
              );
            })}
          </ul>
          {note && <p className="muted small">{note}</p>}
        </div>
      )}
      {browsing && (
        <FolderBrowser
          start={parent}
          title="Choose where to export"
          action="Export here"
          onPick={(p) => {
            setParent(p);
            setBrowsing(false);
          }}
          onClose={() => setBrowsing(false)}
        />
      )}
    </section>
  );
}

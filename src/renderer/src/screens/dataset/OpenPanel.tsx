/** Opening a dataset: path field, native dialog (Electron) or folder browser (browser mode), recent list. */
import { useState } from 'react';
import { call } from '../../api/client';
import { useAppState } from '../../state/app-state';
import { useDataset } from '../../state/dataset';
import { FolderBrowser } from './FolderBrowser';

export function OpenPanel({ compact }: { compact: boolean }) {
  const { info, settings, setSettings } = useAppState();
  const { open, opening, dataset } = useDataset();
  const [path, setPath] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const recent = settings?.recentDatasets ?? [];

  const choose = async () => {
    if (info?.canPickFolder) {
      const r = await call('pickFolder', { title: 'Open Dataset' });
      if (r.path) {
        setPath(r.path);
        void open(r.path);
      }
    } else setBrowsing(true);
  };

  return (
    <section className={compact ? 'open-panel compact' : 'open-panel'} aria-label="Open a dataset">
      {!compact && (
        <div className="open-intro">
          <h1>Open a dataset</h1>
          <p>
            A folder with one sub-folder per class (<code>cats/</code>, <code>dogs/</code>, …), or with{' '}
            <code>train/</code> and <code>val/</code> folders that each hold the class folders.{' '}
            {info?.mode === 'electron'
              ? 'Drop the folder onto this window, choose it, or type its path.'
              : 'Type its path on the server, or browse to it.'}
          </p>
        </div>
      )}
      <form
        className="open-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void open(path.trim());
        }}
      >
        <input
          type="text"
          aria-label="Dataset folder path"
          placeholder={
            dataset
              ? dataset.root
              : info?.platform === 'win32'
                ? 'C:\\datasets\\flowers'
                : '~/datasets/flowers'
          }
          value={path}
          onChange={(e) => setPath(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" className="primary" disabled={!path.trim() || !!opening}>
          Open
        </button>
        <button type="button" onClick={() => void choose()} disabled={!info}>
          {info?.canPickFolder ? 'Choose folder…' : 'Browse…'}
        </button>
        {compact && recent.length > 1 && (
          <select
            aria-label="Recent datasets"
            value=""
            onChange={(e) => {
              if (e.target.value) void open(e.target.value);
            }}
          >
            <option value="">Recent…</option>
            {recent
              .filter((r) => r.path !== dataset?.root)
              .map((r) => (
                <option key={r.path} value={r.path}>
                  {r.name} — {r.path}
                </option>
              ))}
          </select>
        )}
      </form>
      {!compact && recent.length > 0 && (
        <div className="recent">
          <h2>Recent</h2>
          <ul>
            {recent.map((r) => (
              <li key={r.path}>
                <button
                  type="button"
                  className="recent-open"
                  onClick={() => void open(r.path)}
                  title={r.path}
                >
                  <strong>{r.name}</strong>
                  <span className="muted">{r.path}</span>
                  <span className="muted">
                    {r.classes} classes · {r.images} images · {new Date(r.openedAt).toLocaleDateString()}
                  </span>
                </button>
                <button
                  type="button"
                  className="icon"
                  aria-label={`Forget ${r.name}`}
                  onClick={() =>
                    void call('forgetRecent', { path: r.path }).then(setSettings, () => undefined)
                  }
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {browsing && (
        <FolderBrowser
          start={path.trim() || dataset?.root || null}
          onClose={() => setBrowsing(false)}
          onPick={(p) => {
            setBrowsing(false);
            setPath(p);
            void open(p);
          }}
        />
      )}
    </section>
  );
}

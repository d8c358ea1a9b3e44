/** Browser mode's folder picker: the server lists folders (confined to its allowed roots). */
import { useEffect, useRef, useState } from 'react';
import type { DirListing } from '@shared/ipc/contract';
import { call, errorText } from '../../api/client';
import { Modal } from '../../components/Modal';

export function FolderBrowser({
  start,
  onPick,
  onClose,
  title = 'Choose a dataset folder',
  action = 'Open this folder',
}: {
  start: string | null;
  onPick(path: string): void;
  onClose(): void;
  title?: string;
  action?: string;
}) {
  const [listing, setListing] = useState<DirListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);

  const load = (path: string | null) => {
    const s = ++seq.current;
    call('listDir', { path }).then(
      (l) => {
        if (s !== seq.current) return;
        setListing(l);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (s !== seq.current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
  };

  const go = (path: string | null) => {
    setLoading(true);
    load(path);
  };

  useEffect(() => {
    load(start);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- load the start folder once
  }, []);

  return (
    <Modal label={title} className="folder-browser" onClose={onClose}>
      <header className="modal-head">
        <h2>{title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="fb-path" data-testid="fb-path">
        <button type="button" disabled={!listing?.path} onClick={() => go(listing?.parent ?? null)}>
          ↑ Up
        </button>
        <button type="button" disabled={!listing?.path} onClick={() => go(null)}>
          Allowed folders
        </button>
        <code>{listing?.path ?? 'Allowed folders'}</code>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="fb-list" aria-busy={loading}>
        {listing?.entries.map((e) => (
          <li key={e.path}>
            <button
              type="button"
              onClick={() => go(e.path)}
              onDoubleClick={() => onPick(e.path)}
              title={e.path}
            >
              <FolderIcon /> {e.name}
            </button>
          </li>
        ))}
        {listing && listing.entries.length === 0 && <li className="muted">No sub-folders here.</li>}
      </ul>
      <footer className="modal-foot">
        <span className="muted">Browsing is limited to: {listing?.roots.join(', ')}</span>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={!listing?.path}
          onClick={() => listing?.path && onPick(listing.path)}
        >
          {action}
        </button>
      </footer>
    </Modal>
  );
}

function FolderIcon() {
  return (
    <svg className="folder-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <path d="M1.5 3.5h4l1.5 1.5h7.5v8h-13z" fill="currentColor" opacity="0.75" />
    </svg>
  );
}

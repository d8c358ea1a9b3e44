/**
 * Base picker: one card per registry base and per added model (tfjs folder or Keras file), with where
 * it is; a download shows its progress and a Cancel button on its card.
 */
import { useState } from 'react';
import { KERAS_MODEL_FILE } from '@shared/ipc/bases';
import { call, errorText } from '../../api/client';
import { formatBytes, formatParams, formatShape, pct } from '../../lib/format';
import { useAppState } from '../../state/app-state';
import { useConfig } from '../../state/config';
import { useEvent } from '../../state/use-event';
import { DownloadStatus, type Download } from './DownloadStatus';
import { FeatureLayerDialog } from './FeatureLayerDialog';

const STATE_TEXT = {
  local: 'on this machine',
  download: 'needs download',
  unavailable: 'unavailable',
} as const;

export function BaseCards() {
  const { info } = useAppState();
  const { bases, basesError, draft, update, refreshBases, describe, describing, describeError } = useConfig();
  const [folder, setFolder] = useState('');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  /** Downloads in flight, by base id (the latest event of each). */
  const [downloads, setDownloads] = useState<Record<string, Download>>({});
  /** The Keras file whose feature layer is being picked. */
  const [layersOf, setLayersOf] = useState<string | null>(null);
  useEvent('jobDownload', (e) => setDownloads((all) => ({ ...all, [e.base]: e })));
  const clearDownload = (id: string) =>
    setDownloads((all) => {
      const { [id]: _gone, ...rest } = all;
      return rest;
    });

  const add = async (path: string) => {
    setAdding(true);
    setAddError(null);
    try {
      const r = await call('addLocalBase', { path });
      refreshBases();
      update({ base: r.base.ref });
      setFolder('');
      // A Keras file's cut is a choice: offer its layers (the suggestion is preselected).
      if (KERAS_MODEL_FILE.test(r.base.ref)) setLayersOf(r.base.ref);
    } catch (e) {
      setAddError(errorText(e));
    } finally {
      setAdding(false);
    }
  };
  const browse = async () => {
    const r = await call('pickFolder', { title: 'Choose a tfjs model folder (model.json)' }).catch(
      () => null,
    );
    if (r?.path) void add(r.path);
  };
  const download = async (id: string) => {
    try {
      if (await describe(id, true)) refreshBases();
    } finally {
      // Done, failed or cancelled: the card goes back to its state chip.
      clearDownload(id);
    }
  };

  return (
    <div className="card">
      <h2>Base model</h2>
      {basesError && <p className="error">{basesError}</p>}
      {describeError && (
        <p className="error" role="alert">
          {describeError}
        </p>
      )}
      <div className="base-cards" role="radiogroup" aria-label="Base model">
        {bases?.map((b) => {
          const chosen = draft.base === b.id;
          return (
            <div
              key={b.id}
              className={`base-card state-${b.state}${chosen ? ' chosen' : ''}`}
              role="radio"
              aria-checked={chosen}
              tabIndex={0}
              data-base={b.id}
              onClick={() => update({ base: b.id })}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && update({ base: b.id })}
            >
              <div className="base-card-head">
                <strong>{b.displayName}</strong>
                <span className={`chip base-state-${b.state}`} title={b.detail}>
                  {describing === b.id
                    ? downloads[b.id]
                      ? 'downloading…'
                      : 'loading…'
                    : STATE_TEXT[b.state]}
                </span>
              </div>
              <dl className="base-facts">
                <dt>Input</dt>
                <dd>{b.inputSize ? `${b.inputSize}×${b.inputSize}` : '—'}</dd>
                <dt>Parameters</dt>
                <dd>{b.params ? formatParams(b.params) : '—'}</dd>
                <dt>Download</dt>
                <dd>{b.sizeBytes ? formatBytes(b.sizeBytes) : '—'}</dd>
                <dt>ImageNet top-1</dt>
                <dd>{pct(b.imagenetTop1)}</dd>
                <dt>Features</dt>
                <dd>{b.featureShape ? formatShape(b.featureShape) : '—'}</dd>
              </dl>
              <div className="base-card-foot muted small" title={b.detail}>
                {b.detail}
              </div>
              {downloads[b.id] && !downloads[b.id].done && <DownloadStatus d={downloads[b.id]} />}
              {(b.state === 'download' || b.custom) && (
                <div className="base-card-actions">
                  {b.state === 'download' && !downloads[b.id] && (
                    <button
                      type="button"
                      disabled={describing !== null}
                      onClick={(e) => {
                        e.stopPropagation();
                        void download(b.id);
                      }}
                    >
                      Download now
                    </button>
                  )}
                  {b.custom && KERAS_MODEL_FILE.test(b.id) && b.state === 'local' && (
                    <button
                      type="button"
                      onClick={(e) => {
                        e.stopPropagation();
                        setLayersOf(b.id);
                      }}
                    >
                      Feature layer…
                    </button>
                  )}
                  {b.custom && (
                    <button
                      type="button"
                      onClick={(e) => {
                        e.stopPropagation();
                        void call('removeLocalBase', { path: b.id }).then(refreshBases, () => undefined);
                      }}
                    >
                      Remove
                    </button>
                  )}
                </div>
              )}
            </div>
          );
        })}
      </div>
      <form
        className="add-base"
        onSubmit={(e) => {
          e.preventDefault();
          if (folder.trim()) void add(folder.trim());
        }}
      >
        <label htmlFor="add-base-path">
          Add a model: a Keras file (.h5 full model or .keras) or a tfjs layers-model folder (model.json +
          weights)
        </label>
        <div className="row">
          <input
            id="add-base-path"
            value={folder}
            placeholder={
              info?.mode === 'browser' ? 'a file or folder on the server' : '/path/to/model.h5 or folder'
            }
            onChange={(e) => setFolder(e.target.value)}
          />
          {info?.canPickFolder && (
            <button type="button" onClick={() => void browse()}>
              Browse…
            </button>
          )}
          <button type="submit" disabled={adding || !folder.trim()}>
            {adding ? 'Checking…' : 'Add'}
          </button>
        </div>
        {addError && (
          <p className="error" role="alert">
            {addError}
          </p>
        )}
      </form>
      {layersOf && (
        <FeatureLayerDialog
          path={layersOf}
          onClose={() => setLayersOf(null)}
          onSaved={() => {
            refreshBases();
            void describe(layersOf);
          }}
        />
      )}
    </div>
  );
}

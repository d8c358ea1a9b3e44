/** App preferences (stored by main): theme, preferred compute backend, cache folder. */
import { useState } from 'react';
import type { RendererWritableSetting, Settings } from '../../../shared/ipc/settings-schema';
import { call, errorText } from '../api/client';
import { useAppState } from '../state/app-state';
import { Modal } from './Modal';

const BACKENDS: { value: Settings['preferredBackend']; label: string }[] = [
  { value: 'auto', label: 'Automatic (best available)' },
  { value: 'tensorflow-gpu', label: 'TensorFlow native, GPU' },
  { value: 'tensorflow', label: 'TensorFlow native, CPU' },
  { value: 'wasm', label: 'WebAssembly' },
  { value: 'cpu', label: 'Plain JavaScript (slowest)' },
];

export function SettingsDialog({ onClose }: { onClose(): void }) {
  const { settings, setSettings } = useAppState();
  const [cacheDraft, setCacheDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!settings) return null;

  const save = <K extends RendererWritableSetting>(key: K, value: Settings[K]) =>
    call('setSetting', { key, value } as Parameters<typeof call<'setSetting'>>[1]).then(
      (s) => {
        setSettings(s);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );

  return (
    <Modal label="Settings" className="settings-dialog" onClose={onClose}>
      <header className="modal-head">
        <h2>Settings</h2>
        <button type="button" className="icon" aria-label="Close settings" onClick={onClose}>
          ×
        </button>
      </header>
      <label className="field">
        <span>Theme</span>
        <select
          value={settings.theme}
          onChange={(e) => void save('theme', e.target.value as Settings['theme'])}
        >
          <option value="system">Follow the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      <label className="field">
        <span>Compute backend</span>
        <select
          value={settings.preferredBackend}
          onChange={(e) => void save('preferredBackend', e.target.value as Settings['preferredBackend'])}
        >
          {BACKENDS.map((b) => (
            <option key={b.value} value={b.value}>
              {b.label}
            </option>
          ))}
        </select>
        <small className="muted">
          Used by the next training job; unavailable backends fall back with a note.
        </small>
      </label>
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          const v = (cacheDraft ?? '').trim();
          void save('cacheDir', v ? v : null).then(() => setCacheDraft(null));
        }}
      >
        <span>Cache folder (thumbnails, downloaded models)</span>
        <div className="row">
          <input
            type="text"
            aria-label="Cache folder"
            placeholder="Default (the system cache folder)"
            value={cacheDraft ?? settings.cacheDir ?? ''}
            onChange={(e) => setCacheDraft(e.target.value)}
            spellCheck={false}
          />
          <button type="submit" disabled={cacheDraft === null}>
            Save
          </button>
          <button
            type="button"
            disabled={settings.cacheDir === null}
            onClick={() => void save('cacheDir', null)}
          >
            Use default
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}

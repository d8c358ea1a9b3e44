/** App preferences (stored by main): theme, devices, cache folder; the feature cache's size and clearing. */
import { useState } from 'react';
import { BackendPreference } from '@shared/backends';
import { Theme } from '@shared/ipc/settings-schema';
import type { RendererWritableSetting, Settings } from '@shared/ipc/settings-schema';
import { call, errorText } from '../api/client';
import { useAppState } from '../state/app-state';
import { CachePanel } from './CachePanel';
import { DeviceSetting } from './DeviceSetting';
import { Modal } from './Modal';

/** Labels of the choices; the choices themselves are the enums' options (one list, in src/shared). */
const BACKEND_LABEL: Record<BackendPreference, string> = {
  auto: 'Automatic (best available)',
  'tensorflow-gpu': 'TensorFlow native, GPU',
  tensorflow: 'TensorFlow native, CPU',
  wasm: 'WebAssembly',
  cpu: 'Plain JavaScript (slowest)',
};
const THEME_LABEL: Record<Theme, string> = { system: 'Follow the system', light: 'Light', dark: 'Dark' };

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
          {Theme.options.map((t) => (
            <option key={t} value={t}>
              {THEME_LABEL[t]}
            </option>
          ))}
        </select>
      </label>
      <DeviceSetting value={settings.preferredDevice} onChange={(d) => void save('preferredDevice', d)} />
      <label className="field">
        <span>Compute backend</span>
        <select
          value={settings.preferredBackend}
          onChange={(e) => void save('preferredBackend', e.target.value as Settings['preferredBackend'])}
        >
          {BackendPreference.options.map((b) => (
            <option key={b} value={b}>
              {BACKEND_LABEL[b]}
            </option>
          ))}
        </select>
        <small className="muted">
          TensorFlow.js trains the head and fine-tunes; used by the next training job; unavailable backends
          fall back with a note.
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
        <span>Cache folder (features, thumbnails, downloaded models)</span>
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
      <CachePanel key={settings.cacheDir ?? ''} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}

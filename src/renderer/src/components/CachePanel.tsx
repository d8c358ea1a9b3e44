/**
 * The feature cache in the cache folder: its size in total, per base and per variant (stored form,
 * precision), and clearing all of it or one base's — after a confirmation. Models and thumbnails stay.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CacheReport, CacheSetInfo } from '@shared/cache';
import { call, errorText } from '../api/client';
import { formatBytes, formatCount } from '../lib/format';

interface Pending {
  /** undefined: everything. */
  base?: string;
  what: string;
  bytes: number;
}

const UNKNOWN = '(unknown)';

function variantText(s: CacheSetInfo): string {
  const form = s.form === 'full' ? 'feature maps' : s.form ? `${s.form}-pooled vectors` : 'unknown form';
  const shape = s.vectorShape ? ` [${s.vectorShape.join('×')}]` : '';
  return `${form}${shape}, ${s.precision ?? '?'}${s.resize ? `, ${s.resize}` : ''}`;
}

export function CachePanel() {
  const [report, setReport] = useState<CacheReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const load = useCallback(() => {
    call('getCacheReport', {}).then(
      (r) => {
        setReport(r);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );
  }, []);
  useEffect(load, [load]);

  const clear = async (p: Pending) => {
    setBusy(true);
    try {
      const r = await call('clearCache', p.base === undefined ? {} : { base: p.base });
      setReport(r.report);
      setDone(`Removed ${formatBytes(r.cleared.removedBytes)} of cached features (${p.what}).`);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      setPending(null);
    }
  };

  return (
    <section className="field cache-panel" aria-label="Feature cache" data-testid="cache-panel">
      <div className="cache-head">
        <span>Feature cache</span>
        <button type="button" onClick={load} disabled={busy}>
          Refresh
        </button>
      </div>
      {!report && !error && <p className="muted small">Measuring…</p>}
      {report && (
        <>
          <p className="small">
            <span data-testid="cache-total" data-bytes={report.totalBytes}>
              {formatBytes(report.totalBytes)}
            </span>{' '}
            in <code>{report.root}</code>
            {report.legacyBytes > 0 && ` (${formatBytes(report.legacyBytes)} of an old layout, never read)`}
          </p>
          {report.bases.length === 0 ? (
            <p className="muted small" data-testid="cache-empty">
              No features cached.
            </p>
          ) : (
            <table className="cache-table" data-testid="cache-table">
              <thead>
                <tr>
                  <th scope="col">Base / variant</th>
                  <th scope="col" className="num">
                    vectors
                  </th>
                  <th scope="col" className="num">
                    size
                  </th>
                  <th scope="col" />
                </tr>
              </thead>
              {report.bases.map((b) => (
                <tbody key={b.baseId} data-testid="cache-base" data-base={b.baseId} data-bytes={b.bytes}>
                  <tr className="cache-base-row">
                    <th scope="row">{b.baseName}</th>
                    <td className="num">{formatCount(b.records)}</td>
                    <td className="num">{formatBytes(b.bytes)}</td>
                    <td>
                      {b.baseId !== UNKNOWN && (
                        <button
                          type="button"
                          disabled={busy}
                          aria-label={`Clear ${b.baseName}`}
                          onClick={() => setPending({ base: b.baseId, what: b.baseName, bytes: b.bytes })}
                        >
                          Clear
                        </button>
                      )}
                    </td>
                  </tr>
                  {report.sets
                    .filter((s) => (s.baseId ?? UNKNOWN) === b.baseId)
                    .map((s) => (
                      <tr key={s.setKey} className="cache-set-row muted" data-testid="cache-set">
                        <td>{variantText(s)}</td>
                        <td className="num">{formatCount(s.records)}</td>
                        <td className="num">{formatBytes(s.bytes)}</td>
                        <td />
                      </tr>
                    ))}
                </tbody>
              ))}
            </table>
          )}
          <div className="row">
            <button
              type="button"
              disabled={busy || report.totalBytes === 0}
              onClick={() => setPending({ what: 'everything', bytes: report.totalBytes })}
            >
              Clear all
            </button>
          </div>
        </>
      )}
      {pending && (
        <div className="confirm" role="alertdialog" aria-label="Confirm clearing" data-testid="cache-confirm">
          <span>
            Remove {formatBytes(pending.bytes)} of cached features ({pending.what})? Runs that need them
            compute them again. Downloaded models and thumbnails are kept.
          </span>
          <button type="button" disabled={busy} onClick={() => void clear(pending)}>
            Remove
          </button>
          <button type="button" disabled={busy} onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      )}
      {done && (
        <p className="muted small" data-testid="cache-done">
          {done}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

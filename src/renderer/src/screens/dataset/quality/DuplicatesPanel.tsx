/**
 * Duplicates and leaks: groups of the same picture (exact copies, near-duplicates by embedding or
 * perceptual hash) shown side by side, flagged when they span train and validation (a leak) or classes
 * (a conflict). Per group: keep all, keep one (the others excluded from the project, never deleted), or
 * move all into one split. Every decision is undoable.
 */
import { useState } from 'react';
import type { DatasetView } from '@shared/ipc/contract';
import type { DuplicateGroup, DuplicateReport, GroupResolution } from '@shared/quality';
import { imageUrl } from '@shared/ipc/image-url';
import { call } from '../../../api/client';
import { useAppState } from '../../../state/app-state';
import { useConfig } from '../../../state/config';
import type { QualityHandle } from './use-quality';
import { checkDuplicateOptions, DEFAULT_DUPLICATE_OPTIONS, DuplicateSettings } from './DuplicateSettings';

export function DuplicatesPanel({ dataset, q }: { dataset: DatasetView; q: QualityHandle }) {
  const { info } = useAppState();
  const { draft } = useConfig();
  const mode = info?.mode ?? 'browser';
  const [report, setReport] = useState<DuplicateReport | null>(null);
  const [onlyLeaks, setOnlyLeaks] = useState(false);
  const [options, setOptions] = useState(DEFAULT_DUPLICATE_OPTIONS);
  const optionsOk = checkDuplicateOptions(options).ok;
  const find = async () => {
    const r = await q.run(call('findDuplicates', { datasetId: dataset.id, config: draft, options }));
    if (r) {
      setReport(r.report);
      q.set(r.quality);
    }
  };
  const resolve = (resolution: GroupResolution) =>
    q.apply(call('resolveDuplicateGroup', { datasetId: dataset.id, resolution }));
  const state = q.view?.state;
  const excludedHashes = new Set(state?.exclusions ?? []);
  const keepCopy = state?.keepCopy ?? {};
  // Out of the project: its content excluded, or another byte-identical copy chosen in its place.
  const isOut = (hash: string, rel: string) =>
    excludedHashes.has(hash) || (keepCopy[hash] !== undefined && keepCopy[hash] !== rel);
  const dismissed = new Set(state?.dismissedGroups ?? []);
  const groups = (report?.groups ?? []).filter((g) => !onlyLeaks || g.leak || g.conflict);

  return (
    <div className="card quality-card" data-testid="duplicates-panel">
      <div className="quality-head">
        <h2>Duplicates and leaks</h2>
        <button
          type="button"
          onClick={() => void find()}
          disabled={q.busy || !optionsOk}
          data-testid="find-duplicates"
        >
          {report ? 'Find again' : 'Find duplicates'}
        </button>
        {report && (
          <span className="muted small" data-testid="duplicate-counts">
            {report.counts.groups} group(s) · {report.counts.leaks} leak(s) across train/validation ·{' '}
            {report.counts.conflicts} label conflict(s) · {report.ms} ms · similarity ≥{' '}
            {report.options.embeddingThreshold.toFixed(2)}, stands out by{' '}
            {report.options.localMargin.toFixed(2)}, hash ≤ {report.options.phashMaxDistance} bits
          </span>
        )}
        {report && (
          <label className="small">
            <input type="checkbox" checked={onlyLeaks} onChange={(e) => setOnlyLeaks(e.target.checked)} />{' '}
            leaks and conflicts only
          </label>
        )}
      </div>
      <DuplicateSettings value={options} onChange={setOptions} disabled={q.busy} />
      {report && report.groups.length === 0 && <p className="muted">No duplicates found.</p>}
      <ul className="dup-groups">
        {groups.map((g) => (
          <GroupRow
            key={g.id}
            group={g}
            classes={dataset.classes}
            thumb={(rel) => imageUrl(mode, 'preview', dataset.id, rel)}
            isOut={isOut}
            dismissed={dismissed.has(g.id)}
            busy={q.busy}
            onResolve={(r) => void resolve(r)}
          />
        ))}
      </ul>
    </div>
  );
}

function GroupRow({
  group: g,
  classes,
  thumb,
  isOut,
  dismissed,
  busy,
  onResolve,
}: {
  group: DuplicateGroup;
  classes: string[];
  thumb: (rel: string) => string;
  isOut: (hash: string, rel: string) => boolean;
  dismissed: boolean;
  busy: boolean;
  onResolve: (r: GroupResolution) => void;
}) {
  return (
    <li className={`dup-group${g.leak ? ' leak' : ''}`} data-testid="dup-group">
      <div className="dup-flags">
        {g.leak && <span className="chip chip-warn">leak: {g.splits.join(' + ')}</span>}
        {g.conflict && (
          <span className="chip chip-warn">conflict: {g.classes.map((c) => classes[c]).join(' vs ')}</span>
        )}
        <span className="chip">{g.signals.join(', ')}</span>
        {dismissed && <span className="chip">kept as is</span>}
      </div>
      <div className="dup-members">
        {g.members.map((m) => (
          <figure key={m.rel} className={isOut(m.contentHash, m.rel) ? 'dup-member excluded' : 'dup-member'}>
            <img src={thumb(m.rel)} alt={m.rel} loading="lazy" />
            <figcaption>
              <span className="break small">{m.rel}</span>
              <span className="small muted">
                {m.split} · {classes[m.classIndex]} · {m.match.signal}{' '}
                {m.match.signal === 'exact' ? '' : m.match.similarity.toFixed(2)}
                {isOut(m.contentHash, m.rel) ? ' · excluded' : ''}
              </span>
              <button
                type="button"
                disabled={busy}
                data-testid="keep-one"
                onClick={() => onResolve({ type: 'keepOne', groupId: g.id, keepRel: m.rel })}
              >
                Keep only this
              </button>
            </figcaption>
          </figure>
        ))}
      </div>
      <div className="dup-actions">
        <button type="button" disabled={busy} onClick={() => onResolve({ type: 'keepAll', groupId: g.id })}>
          Keep all
        </button>
        {(['train', 'val'] as const).map((split) => (
          <button
            key={split}
            type="button"
            disabled={busy}
            onClick={() => onResolve({ type: 'moveToSplit', groupId: g.id, split })}
          >
            Move all to {split === 'val' ? 'validation' : 'train'}
          </button>
        ))}
      </div>
    </li>
  );
}

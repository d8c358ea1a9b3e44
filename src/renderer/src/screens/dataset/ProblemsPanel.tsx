/** Files the scan skipped, with the reason; exportable as CSV. Virtualised for very broken datasets. */
import { useRef } from 'react';
import type { DatasetView } from '@shared/ipc/contract';
import { downloadText, toCsv } from '../../lib/csv';
import { useElementSize } from '../../lib/use-size';
import { useRowWindow } from '../../lib/use-virtual';

const ROW = 32;

export function problemsCsv(d: DatasetView): string {
  return toCsv(
    ['file', 'path', 'reason', 'stage'],
    d.problems.map((p) => [p.rel, p.path, p.reason, p.stage]),
  );
}

export function ProblemsPanel({ dataset }: { dataset: DatasetView }) {
  const ref = useRef<HTMLDivElement>(null);
  const { height } = useElementSize(ref);
  const problems = dataset.problems;
  const { first, last, onScroll } = useRowWindow(ROW, problems.length, height || 320, 5);

  return (
    <div className="card problems" data-testid="problems">
      <div className="problems-head">
        <h2>
          Problems <span className="count">{problems.length}</span>
        </h2>
        <button
          type="button"
          disabled={problems.length === 0}
          onClick={() => downloadText(`${dataset.name}-problems.csv`, problemsCsv(dataset))}
        >
          Export CSV
        </button>
      </div>
      {problems.length === 0 ? (
        <p className="muted">Every file is a readable image. Nothing was skipped.</p>
      ) : (
        <>
          <p className="muted small">These files are skipped for training.</p>
          <div className="problems-table" role="table" aria-label="Problems" aria-rowcount={problems.length}>
            <div className="problems-row header" role="row">
              <span role="columnheader">File</span>
              <span role="columnheader">Reason</span>
            </div>
            <div
              className="problems-scroll"
              ref={ref}
              onScroll={onScroll}
              style={{ height: Math.min(320, problems.length * ROW) }}
            >
              <div style={{ height: problems.length * ROW, position: 'relative' }}>
                {problems.slice(first, last).map((p, k) => (
                  <div
                    className="problems-row"
                    role="row"
                    key={p.rel}
                    style={{ top: (first + k) * ROW }}
                    data-problem={p.rel}
                  >
                    <span role="cell" title={p.path}>
                      {p.rel}
                    </span>
                    <span role="cell">{p.reason}</span>
                  </div>
                ))}
              </div>
            </div>
          </div>
        </>
      )}
    </div>
  );
}

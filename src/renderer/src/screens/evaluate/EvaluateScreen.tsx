/** Step 5: how the chosen run did on held-out images, where it errs, and "try it" on new images. */
import { useState } from 'react';
import type { RunView } from '@shared/ipc/run-record';
import { RunPicker } from '../../components/RunPicker';
import { useAppState } from '../../state/app-state';
import { useDataset } from '../../state/dataset';
import { useRuns } from '../../state/runs';
import { ClassMetrics } from './ClassMetrics';
import { ConfusionMatrix, type CmFilter } from './ConfusionMatrix';
import { Misclassified } from './Misclassified';
import { TryIt, useTryIt } from './TryIt';
import './evaluate.css';

export function EvaluateScreen() {
  const { selected, active } = useRuns();
  const run = selected?.summary ? selected : null;
  if (!run)
    return (
      <section className="screen evaluate-screen" aria-label="Evaluate">
        <div className="screen-head">
          <h1>Evaluate</h1>
        </div>
        <div className="card empty-state" data-testid="no-run">
          <p>
            {active
              ? 'A run is training: its evaluation appears here when it finishes (or when you stop it).'
              : 'No finished run yet — train one in step 4.'}
          </p>
        </div>
      </section>
    );
  // Keyed by run: Try it's results belong to the model that made them.
  return <RunEvaluation key={run.id} run={run} />;
}

function RunEvaluation({ run }: { run: RunView }) {
  const { info } = useAppState();
  const { dataset } = useDataset();
  const [split, setSplitState] = useState<'val' | 'test'>('val');
  const [filter, setFilter] = useState<CmFilter | null>(null);
  const setSplit = (s: 'val' | 'test') => {
    setFilter(null);
    setSplitState(s);
  };
  const tryIt = useTryIt(run)!;
  const evals = run.summary?.evaluation;
  const evaluation = (split === 'test' ? evals?.test : evals?.val) ?? evals?.val ?? evals?.test ?? null;
  const datasetId = dataset && dataset.root === run.datasetRoot ? dataset.id : null;

  return (
    <section
      className={`screen evaluate-screen${tryIt.over ? ' drop-over' : ''}`}
      aria-label="Evaluate"
      {...tryIt.dropProps}
    >
      <div className="screen-head">
        <h1>Evaluate</h1>
        <RunPicker />
        {evals?.val && evals?.test && (
          <div className="segmented plain" role="group" aria-label="Evaluation split">
            <button
              type="button"
              className={split === 'val' ? 'active' : undefined}
              onClick={() => setSplit('val')}
            >
              validation
            </button>
            <button
              type="button"
              className={split === 'test' ? 'active' : undefined}
              onClick={() => setSplit('test')}
            >
              test
            </button>
          </div>
        )}
      </div>
      {tryIt.over && (
        <div className="tryit-overlay" aria-hidden="true">
          <div>
            {run.live ? 'Drop images or a folder to classify them' : 'This run’s model is not in memory'}
          </div>
        </div>
      )}
      {!evaluation && (
        <div className="card empty-state">
          <p>This run has no validation or test images to evaluate on.</p>
        </div>
      )}
      {evaluation && (
        <>
          <div className="eval-top">
            <ConfusionMatrix
              classes={run.classes}
              confusion={evaluation.confusion}
              filter={filter}
              onFilter={setFilter}
            />
            <ClassMetrics evaluation={evaluation} />
          </div>
          <Misclassified
            items={evaluation.misclassified}
            classes={run.classes}
            mode={info?.mode ?? 'browser'}
            datasetId={datasetId}
            runId={run.id}
            live={!!run.live}
            filter={filter}
            onClearFilter={() => setFilter(null)}
            confusion={evaluation.confusion}
          />
        </>
      )}
      <TryIt state={tryIt} />
    </section>
  );
}

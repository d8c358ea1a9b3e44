/** Step 5: how the chosen run did on held-out images, where it errs, and "try it" on new images. */
import { useState } from 'react';
import { RunPicker } from '../../components/RunPicker';
import { useAppState } from '../../state/app-state';
import { useDataset } from '../../state/dataset';
import { useRuns } from '../../state/runs';
import { ClassMetrics } from './ClassMetrics';
import { ConfusionMatrix } from './ConfusionMatrix';
import { Misclassified } from './Misclassified';
import { TryIt } from './TryIt';
import './evaluate.css';

export function EvaluateScreen() {
  const { info } = useAppState();
  const { dataset } = useDataset();
  const { selected, active } = useRuns();
  const [split, setSplit] = useState<'val' | 'test'>('val');
  const run = selected?.summary ? selected : null;
  const evals = run?.summary?.evaluation;
  const evaluation = (split === 'test' ? evals?.test : evals?.val) ?? evals?.val ?? evals?.test ?? null;
  const datasetId = dataset && run && dataset.root === run.datasetRoot ? dataset.id : null;

  return (
    <section className="screen evaluate-screen" aria-label="Evaluate">
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
      {!run && (
        <div className="card empty-state" data-testid="no-run">
          <p>
            {active
              ? 'A run is training: its evaluation appears here when it finishes (or when you stop it).'
              : 'No finished run yet — train one in step 4.'}
          </p>
        </div>
      )}
      {run && !evaluation && (
        <div className="card empty-state">
          <p>This run has no validation or test images to evaluate on.</p>
        </div>
      )}
      {run && evaluation && (
        <>
          <div className="eval-top">
            <ConfusionMatrix classes={run.classes} confusion={evaluation.confusion} />
            <ClassMetrics evaluation={evaluation} />
          </div>
          <Misclassified
            items={evaluation.misclassified}
            classes={run.classes}
            mode={info?.mode ?? 'browser'}
            datasetId={datasetId}
          />
        </>
      )}
      {run && <TryIt run={run} />}
    </section>
  );
}

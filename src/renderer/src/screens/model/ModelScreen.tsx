/** Step 3: base model, head (visual editor) and fine-tuning. */
import { inferHead } from '@shared/head-shape';
import { trainableParams, unfrozenLayers } from '../../lib/fine-tune';
import { useConfig, useDescribeChosenBase, useFeatureShape } from '../../state/config';
import { useDataset } from '../../state/dataset';
import { useRuns } from '../../state/runs';
import { BaseCards } from './BaseCards';
import { FineTunePanel } from './FineTunePanel';
import { HeadEditor } from './HeadEditor';
import { RecipePresets } from './RecipePresets';
import './model.css';

export function ModelScreen() {
  const { dataset } = useDataset();
  const { draft, update, description, bases, describing } = useConfig();
  useDescribeChosenBase();
  const featureShape = useFeatureShape();
  const card = bases?.find((b) => b.id === draft.base);
  const numClasses = dataset?.classes.length ?? 2;
  const info = featureShape ? inferHead(draft.head, featureShape, numClasses) : null;
  const unfrozen = description ? unfrozenLayers(description, draft.fineTune) : [];
  const { runs } = useRuns();
  // Newest first: the last run of this dataset that chose its head by cross-validation.
  const autoResult =
    runs.find((r) => r.datasetRoot === dataset?.root && r.summary?.headAuto)?.summary?.headAuto ?? null;
  return (
    <section className="screen model-screen" aria-label="Model">
      <div className="screen-head">
        <h1>Model</h1>
        <span className="muted">
          A pretrained base turns each image into features; the head you build here learns your {numClasses}{' '}
          classes{dataset ? '' : ' (open a dataset to set the class count)'}.
        </span>
        <RecipePresets />
      </div>
      <BaseCards />
      <div className="model-layout">
        <HeadEditor
          head={draft.head}
          onChange={(head) => update({ head, headAuto: false })}
          auto={draft.headAuto === true}
          onAuto={(headAuto) => update({ headAuto })}
          autoResult={autoResult}
          info={info}
          baseName={description?.displayName ?? card?.displayName ?? draft.base}
          baseParams={description?.params ?? card?.params ?? null}
          featureShape={featureShape}
          numClasses={numClasses}
          unfrozenParams={unfrozen.reduce((a, l) => a + trainableParams(l), 0)}
        />
        <FineTunePanel
          spec={draft.fineTune}
          description={description}
          loading={describing === draft.base}
          onChange={(fineTune) => update({ fineTune })}
        />
      </div>
    </section>
  );
}

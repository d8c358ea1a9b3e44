/** Step 2: augmentation options with previews made by the engine. */
import { NeedDataset } from '../../components/NeedDataset';
import { useConfig } from '../../state/config';
import { useDataset } from '../../state/dataset';
import { AugmentControls } from './AugmentControls';
import { PreviewGrid } from './PreviewGrid';
import './augment.css';

export function AugmentScreen() {
  const { dataset } = useDataset();
  const { draft, update, description, bases } = useConfig();
  if (!dataset) return <NeedDataset title="Augment" what="previews are made from its images." />;
  // Previews at the chosen base's input size: exactly what training feeds the base.
  const size = description?.inputSize[0] ?? bases?.find((b) => b.id === draft.base)?.inputSize ?? 224;
  return (
    <section className="screen augment-screen" aria-label="Augment">
      <div className="screen-head">
        <h1>Augmentation</h1>
        <span className="muted">
          Random transforms applied to training images (never to validation). Previews are {size}×{size},
          resized with “{draft.resize}” as in training.
        </span>
      </div>
      <div className="augment-layout">
        <AugmentControls
          spec={draft.augment}
          views={draft.augmentViews}
          onChange={(augment) => update({ augment })}
          onViews={(augmentViews) => update({ augmentViews })}
        />
        <PreviewGrid dataset={dataset} spec={draft.augment} size={size} resize={draft.resize} />
      </div>
    </section>
  );
}

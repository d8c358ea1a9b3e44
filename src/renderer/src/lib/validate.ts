/** What stops a run from starting, in words the user can act on (checked before Start is allowed). */
import { inferHead } from '@shared/head-shape';
import type { BaseCard } from '@shared/ipc/bases';
import { TrainConfig } from '@shared/train';

export interface StartCheck {
  config: TrainConfig;
  datasetOpen: boolean;
  numClasses: number;
  featureShape: number[] | null;
  base: BaseCard | undefined;
  /** Fields currently holding an invalid entry (label: reason). */
  invalidFields: string[];
  running: boolean;
}

export function startProblems(c: StartCheck): string[] {
  const out: string[] = [];
  if (!c.datasetOpen) out.push('Open a dataset first (step 1).');
  else if (c.numClasses < 2) out.push('The dataset needs at least two classes.');
  if (c.running) out.push('A run is already training: stop it first.');
  out.push(...c.invalidFields);
  const parsed = TrainConfig.safeParse(c.config);
  if (!parsed.success)
    for (const i of parsed.error.issues)
      out.push(`${i.path.map(String).join('.') || 'config'}: ${i.message}`);
  if (!c.base) out.push(`Unknown base “${c.config.base}”: pick one on the Model step.`);
  else if (c.base.state === 'unavailable')
    out.push(`${c.base.displayName} is not available: ${c.base.detail}`);
  if (c.featureShape && c.numClasses >= 2) {
    const info = inferHead(c.config.head, c.featureShape, c.numClasses);
    if (info.error) {
      const where =
        info.error.index < c.config.head.layers.length ? `layer ${info.error.index + 1}` : 'the classifier';
      out.push(`Head (Model step), ${where}: ${info.error.message}`);
    }
  }
  return out;
}

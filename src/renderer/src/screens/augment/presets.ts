import { AugmentSpec, KERAS_RECIPE_AUGMENT, NO_AUGMENT } from '@shared/augment';

export const AUGMENT_PRESETS: { id: string; label: string; spec: AugmentSpec }[] = [
  { id: 'none', label: 'None', spec: NO_AUGMENT },
  { id: 'keras', label: 'Keras recipe', spec: KERAS_RECIPE_AUGMENT },
  {
    id: 'light',
    label: 'Light',
    spec: AugmentSpec.parse({
      rotationRange: 10,
      widthShiftRange: 0.1,
      heightShiftRange: 0.1,
      zoomRange: 0.1,
      horizontalFlip: true,
    }),
  },
  {
    id: 'strong',
    label: 'Strong',
    spec: AugmentSpec.parse({
      rotationRange: 30,
      widthShiftRange: 0.2,
      heightShiftRange: 0.2,
      shearRange: 10,
      zoomRange: 0.3,
      horizontalFlip: true,
      brightnessRange: [0.7, 1.3],
      contrastRange: 0.3,
      fillMode: 'reflect',
    }),
  },
];

const same = (a: AugmentSpec, b: AugmentSpec) => JSON.stringify(a) === JSON.stringify(b);
export const presetOf = (spec: AugmentSpec) =>
  AUGMENT_PRESETS.find((p) => same(p.spec, spec))?.id ?? 'custom';

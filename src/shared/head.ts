import { z } from 'zod';

export const Activation = z.enum(['relu', 'relu6', 'elu', 'selu', 'tanh', 'sigmoid', 'swish', 'linear']);
export type Activation = z.infer<typeof Activation>;

export const HeadLayer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('globalAveragePooling') }),
  z.object({ type: z.literal('globalMaxPooling') }),
  z.object({ type: z.literal('flatten') }),
  z.object({
    type: z.literal('dense'),
    units: z.number().int().min(1).max(65536),
    activation: Activation.default('relu'),
    /** L2 penalty on the kernel (Keras `kernel_regularizer=l2(x)`). */
    l2: z.number().min(0).max(1).optional(),
  }),
  z.object({ type: z.literal('dropout'), rate: z.number().min(0).max(0.95) }),
  z.object({ type: z.literal('batchNormalization') }),
]);
export type HeadLayer = z.infer<typeof HeadLayer>;

/** Layers between the base's feature map and the classifier (a softmax Dense added by the engine). */
export const HeadSpec = z.object({
  layers: z.array(HeadLayer).max(32),
});
export type HeadSpec = z.infer<typeof HeadSpec>;

export const HEAD_PRESETS = {
  /** The classic Keras blog recipe. */
  keras: {
    layers: [
      { type: 'flatten' },
      { type: 'dense', units: 256, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
    ],
  },
  /** Light and fast: Teachable Machine's head. */
  light: { layers: [{ type: 'globalAveragePooling' }, { type: 'dense', units: 100, activation: 'relu' }] },
  /** A linear probe on pooled features. */
  linear: { layers: [{ type: 'globalAveragePooling' }] },
} as const satisfies Record<string, z.input<typeof HeadSpec>>;
export type HeadPresetId = keyof typeof HEAD_PRESETS;

/** Shape inference result for one layer (`shape` excludes the batch dimension). */
export interface HeadLayerInfo {
  index: number;
  /** 'classifier' for the final softmax Dense. */
  type: HeadLayer['type'] | 'classifier';
  outputShape: number[];
  params: number;
  trainableParams: number;
  error?: string;
}

export interface HeadInfo {
  inputShape: number[];
  layers: HeadLayerInfo[];
  totalParams: number;
  trainableParams: number;
  /** First error found, with the index of the offending layer. */
  error?: { index: number; message: string };
}

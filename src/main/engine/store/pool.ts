/** Global pooling over an [H, W, C] feature map stored HWC-flat: what a GAP/GMP head layer computes. */
export function globalPool(f: Float32Array, channels: number, mode: 'avg' | 'max'): Float32Array {
  const out = new Float32Array(channels);
  const positions = f.length / channels;
  if (mode === 'max') out.fill(-Infinity);
  for (let p = 0; p < positions; p++) {
    const o = p * channels;
    if (mode === 'avg') for (let c = 0; c < channels; c++) out[c] += f[o + c];
    else for (let c = 0; c < channels; c++) if (f[o + c] > out[c]) out[c] = f[o + c];
  }
  if (mode === 'avg') for (let c = 0; c < channels; c++) out[c] /= positions;
  return out;
}

/** Compute backends by name, best first; how each loads is the engine's table (src/main/engine/backend.ts). */
import { z } from 'zod';

export const BackendName = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

/** What the user may ask for: one backend, or `auto` (the best that loads). */
export const BackendPreference = z.enum(['auto', ...BackendName.options]);
export type BackendPreference = z.infer<typeof BackendPreference>;

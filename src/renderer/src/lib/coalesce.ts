/**
 * Items delivered in groups, at most one group per `minIntervalMs`: the renderer's training events
 * become ≤ 10 chart updates a second however fast the engine reports (a small head on cached features
 * ends many epochs a second). Each item says how long it may wait (0: at the next allowed moment);
 * nothing is dropped and order is kept. The clock and timers are injectable for tests.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

export interface Coalescer<T> {
  push(item: T, maxWaitMs: number): void;
  /** Drop what is pending and stop the timer (unmount). */
  dispose(): void;
}

export function coalescer<T>(
  minIntervalMs: number,
  deliver: (items: T[]) => void,
  clock: Clock = realClock,
): Coalescer<T> {
  let pending: T[] = [];
  let timer: { id: unknown; at: number } | null = null;
  let lastAt = -Infinity;
  const flush = () => {
    timer = null;
    const items = pending;
    pending = [];
    if (items.length === 0) return;
    lastAt = clock.now();
    deliver(items);
  };
  return {
    push(item, maxWaitMs) {
      pending.push(item);
      const now = clock.now();
      const due = Math.max(now + maxWaitMs, lastAt + minIntervalMs);
      // A delivery already due by then takes this item along.
      if (timer && timer.at <= due) return;
      if (timer) clock.clearTimeout(timer.id);
      timer = { id: clock.setTimeout(flush, due - now), at: due };
    },
    dispose() {
      if (timer) clock.clearTimeout(timer.id);
      timer = null;
      pending = [];
    },
  };
}

import { describe, expect, it } from 'vitest';
import { coalescer, type Clock } from './coalesce';

/** A clock that moves only when told, running timers as their time comes. */
function fakeClock() {
  let t = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => t,
    setTimeout: (fn, ms) => (timers.set(++seq, { at: t + Math.max(0, ms), fn }), seq),
    clearTimeout: (id) => void timers.delete(id as number),
  };
  const advance = (to: number) => {
    for (;;) {
      const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > to) break;
      timers.delete(next[0]);
      t = next[1].at;
      next[1].fn();
    }
    t = to;
  };
  return { clock, advance, pendingTimers: () => timers.size };
}

describe('coalescer: at most one delivery per interval, nothing lost', () => {
  it('turns 200 epochs a second into at most 10 deliveries a second, in order', () => {
    const { clock, advance } = fakeClock();
    const deliveries: { at: number; items: number[] }[] = [];
    const q = coalescer<number>(100, (items) => deliveries.push({ at: clock.now(), items }), clock);
    for (let i = 0; i < 400; i++) {
      advance(i * 5); // one epoch every 5 ms, for 2 s
      q.push(i, 0);
    }
    advance(3000);
    expect(deliveries.flatMap((d) => d.items)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    for (let i = 1; i < deliveries.length; i++)
      expect(deliveries[i].at - deliveries[i - 1].at).toBeGreaterThanOrEqual(100);
    expect(deliveries.length).toBeLessThanOrEqual(21);
    // The first epoch is shown at once, not after a wait.
    expect(deliveries[0]).toEqual({ at: 0, items: [0] });
  });

  it('lets batch points wait up to their limit, and an epoch takes them along early', () => {
    const { clock, advance } = fakeClock();
    const deliveries: { at: number; items: string[] }[] = [];
    const q = coalescer<string>(100, (items) => deliveries.push({ at: clock.now(), items }), clock);
    q.push('b1', 250);
    advance(100);
    q.push('b2', 250);
    advance(249);
    expect(deliveries).toEqual([]);
    advance(250);
    expect(deliveries).toEqual([{ at: 250, items: ['b1', 'b2'] }]);
    q.push('b3', 250); // at 250: may wait until 500
    advance(400);
    q.push('epoch', 0); // due at once (the last delivery was 150 ms ago), taking b3 along
    advance(400);
    expect(deliveries.at(-1)).toEqual({ at: 400, items: ['b3', 'epoch'] });
    q.push('epoch2', 0); // too soon: waits for the interval
    advance(499);
    expect(deliveries).toHaveLength(2);
    advance(500);
    expect(deliveries.at(-1)).toEqual({ at: 500, items: ['epoch2'] });
  });

  it('delivers nothing after dispose', () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const got: number[] = [];
    const q = coalescer<number>(100, (items) => got.push(...items), clock);
    q.push(1, 250);
    q.dispose();
    expect(pendingTimers()).toBe(0);
    advance(1000);
    expect(got).toEqual([]);
  });
});

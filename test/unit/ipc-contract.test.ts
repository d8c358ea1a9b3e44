import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApi, channelNames, channels, eventNames, events, subscriberName } from '@shared/ipc/contract';
import type { ApiResult, ChannelName, EventName } from '@shared/ipc/contract';
import { dispatch } from '../../src/main/core/dispatch';
import type { AppCore } from '../../src/main/core/app-core';
import { HYMENOPTERA, makeCore, tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;

beforeAll(async () => {
  tmp = await tempDir();
  core = makeCore(tmp.dir, { mode: 'browser', fsRoots: [HYMENOPTERA, tmp.dir] });
});
afterAll(async () => {
  core.dispose();
  await tmp.cleanup();
});

const fail = (r: ApiResult<unknown>) => {
  if (r.ok) throw new Error(`expected failure, got ${JSON.stringify(r.data).slice(0, 200)}`);
  return r.error;
};
const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.data;
};

describe('IPC contract', () => {
  it('gives every channel a zod request and response schema', () => {
    expect(channelNames.length).toBeGreaterThan(5);
    for (const c of channelNames) {
      expect(channels[c].request, c).toBeInstanceOf(z.ZodType);
      expect(channels[c].response, c).toBeInstanceOf(z.ZodType);
    }
    for (const e of eventNames) expect(events[e], e).toBeInstanceOf(z.ZodType);
  });

  it('has exactly one handler per channel in main', () => {
    expect(Object.keys(core.handlers).sort()).toEqual([...channelNames].sort());
    for (const c of channelNames) expect(typeof core.handlers[c]).toBe('function');
  });

  it.each(channelNames)('rejects a malformed payload on %s with a typed BAD_REQUEST', async (c) => {
    const err = fail(await dispatch(core.handlers, c, 42));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(c);
    expect(err.issues?.length).toBeGreaterThan(0);
  });

  it('answers an unknown channel with UNKNOWN_CHANNEL, not a crash', async () => {
    expect(fail(await dispatch(core.handlers, 'deleteEverything', {})).code).toBe('UNKNOWN_CHANNEL');
    expect(fail(await dispatch(core.handlers, '__proto__', {})).code).toBe('UNKNOWN_CHANNEL');
  });

  it('names the offending field', async () => {
    const err = fail(await dispatch(core.handlers, 'openDataset', { path: 'x', split: { valFraction: 5 } }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.issues?.[0].path).toBe('split.valFraction');
  });

  it('only lets the renderer set renderer-writable settings, with valid values', async () => {
    expect(fail(await dispatch(core.handlers, 'setSetting', { key: 'theme', value: 'purple' })).code).toBe(
      'BAD_REQUEST',
    );
    expect(fail(await dispatch(core.handlers, 'setSetting', { key: 'recentDatasets', value: [] })).code).toBe(
      'BAD_REQUEST',
    );
    const s = ok(await dispatch(core.handlers, 'setSetting', { key: 'theme', value: 'dark' })) as {
      theme: string;
    };
    expect(s.theme).toBe('dark');
  });

  it('maps handler failures to typed errors', async () => {
    expect(fail(await dispatch(core.handlers, 'openDataset', { path: '/definitely/not/here' })).code).toBe(
      'NOT_FOUND',
    );
    expect(fail(await dispatch(core.handlers, 'openDataset', { path: '/etc' })).code).toBe('FORBIDDEN');
    expect(fail(await dispatch(core.handlers, 'pickFolder', {})).code).toBe('UNSUPPORTED');
    expect(
      fail(
        await dispatch(core.handlers, 'resplitDataset', {
          datasetId: 'nope',
          split: { valFraction: 0.2, seed: 1, resplit: false },
        }),
      ).code,
    ).toBe('NOT_FOUND');
  });
});

describe('window.api builder', () => {
  it('generates one method per channel and one on<Event> per event, each returning an unsubscribe', async () => {
    const calls: [ChannelName, unknown][] = [];
    const subs = new Map<EventName, Set<(p: unknown) => void>>();
    const api = buildApi(
      'browser',
      async (c, req) => {
        calls.push([c, req]);
        return { ok: true, data: c };
      },
      (e, l) => {
        const s = subs.get(e) ?? new Set();
        subs.set(e, s);
        s.add(l);
        return () => s.delete(l);
      },
    );
    for (const c of channelNames) {
      const r = await (api[c] as (x: unknown) => Promise<ApiResult<unknown>>)({});
      expect(r).toEqual({ ok: true, data: c });
    }
    expect(calls.map((c) => c[0])).toEqual(channelNames);
    for (const e of eventNames) {
      const got: unknown[] = [];
      const off = (api[subscriberName(e)] as (l: (p: unknown) => void) => () => void)((p) => got.push(p));
      subs.get(e)!.forEach((l) => l('one'));
      off();
      expect(subs.get(e)!.size).toBe(0);
      expect(got).toEqual(['one']);
    }
  });
});

describe('Electron window security', () => {
  it('pins the locked-down webPreferences', async () => {
    const { SECURE_WEB_PREFERENCES } = await import('../../src/main/electron/web-preferences');
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });
});

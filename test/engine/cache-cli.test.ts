import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheReport } from '@shared/cache';
import { recordKey } from '../../src/main/engine/store/format';
import { FeatureStore } from '../../src/main/engine/store/store';
import { encodeVector } from '../../src/main/engine/store/table';
import { TEST_INFO, TEST_SET, TEST_SIZE, testVector } from '../helpers/store-fixture';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-cache-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const REPO = path.resolve(import.meta.dirname, '../..');

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/main/engine/cli/main.ts', 'cache', ...args], {
    cwd: REPO,
    encoding: 'utf8',
  });

describe('the cache command', () => {
  it('lists the store as JSON, clears one base, and refuses a bad action in one line (exit 2)', async () => {
    const root = path.join(tmp, 'cli');
    const set = await new FeatureStore(root).open(TEST_SET, { ...TEST_INFO, baseId: 'base_a' }, TEST_SIZE);
    for (let i = 0; i < 20; i++) {
      const enc = encodeVector(testVector(i), 'float16');
      await set.put(recordKey(`img${i}`, 'clean'), enc.dtype, enc.bytes);
    }
    await set.close();
    const list = run('list', '--cache-dir', root, '--json');
    expect(list.status, list.stderr).toBe(0);
    expect(CacheReport.parse(JSON.parse(list.stdout)).sets[0]).toMatchObject({
      baseId: 'base_a',
      records: 20,
    });
    const clear = run('clear', '--base', 'base_a', '--cache-dir', root);
    expect(clear.stdout).toMatch(/^Removed 1 cached variant\(s\) of base_a: [\d.]+ KB freed\.$/m);
    const bad = run('shrink', '--cache-dir', root);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown cache action "shrink"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

import { mkdir, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException } from '../../src/main/core/api-error';
import { createFsPolicy, listDir } from '../../src/main/core/fs-policy';
import { tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let root: string;

beforeAll(async () => {
  tmp = await tempDir();
  root = await realpath(path.join(tmp.dir));
  for (const d of [
    'allowed/b-dir',
    'allowed/A-dir',
    'allowed/.hidden',
    'allowed/10',
    'allowed/9',
    'outside/secret',
  ])
    await mkdir(path.join(root, d), { recursive: true });
  await symlink(path.join(root, 'outside'), path.join(root, 'allowed', 'link-out'));
});
afterAll(() => tmp.cleanup());

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof ApiException ? e.code : String(e);
  }
};

describe('browser-mode folder policy', () => {
  it('lists the allowed roots as the starting point', async () => {
    const policy = createFsPolicy([path.join(root, 'allowed')]);
    const l = await listDir(policy, null);
    expect(l.path).toBeNull();
    expect(l.entries.map((e) => e.path)).toEqual([path.join(root, 'allowed')]);
  });

  it('lists sub-folders naturally sorted, hidden ones skipped, and stops "up" at the root', async () => {
    const policy = createFsPolicy([path.join(root, 'allowed')]);
    const l = await listDir(policy, path.join(root, 'allowed'));
    expect(l.entries.map((e) => e.name)).toEqual(['9', '10', 'A-dir', 'b-dir', 'link-out']);
    expect(l.parent).toBeNull();
    expect((await listDir(policy, path.join(root, 'allowed', 'b-dir'))).parent).toBe(
      path.join(root, 'allowed'),
    );
  });

  it('refuses folders outside the roots, also through a symlink, and says how to allow them', async () => {
    const policy = createFsPolicy([path.join(root, 'allowed')]);
    expect(await code(listDir(policy, path.join(root, 'outside')))).toBe('FORBIDDEN');
    expect(await code(listDir(policy, path.join(root, 'allowed', 'link-out')))).toBe('FORBIDDEN');
    expect(await code(listDir(policy, path.join(root, 'allowed', '..', 'outside')))).toBe('FORBIDDEN');
    expect(await code(policy.resolveAllowed(path.join(root, 'missing')))).toBe('NOT_FOUND');
    await expect(policy.resolveAllowed(path.join(root, 'outside'))).rejects.toThrow(/--root/);
  });

  it('is unrestricted in the desktop app', async () => {
    const policy = createFsPolicy(null);
    expect(await policy.resolveAllowed(path.join(root, 'outside'))).toBe(path.join(root, 'outside'));
  });
});

describe('write targets (exports)', () => {
  it('accepts a folder that does not exist yet below an allowed one', async () => {
    const policy = createFsPolicy([path.join(root, 'allowed')]);
    expect(await policy.resolveWritable(path.join(root, 'allowed', 'new', 'deeper'))).toBe(
      path.join(root, 'allowed', 'new', 'deeper'),
    );
  });

  it('refuses one outside the allowed folders, also through a symlink', async () => {
    const policy = createFsPolicy([path.join(root, 'allowed')]);
    expect(await code(policy.resolveWritable(path.join(root, 'outside', 'x')))).toBe('FORBIDDEN');
    expect(await code(policy.resolveWritable(path.join(root, 'allowed', 'link-out', 'x')))).toBe('FORBIDDEN');
  });

  it('refuses a path under a file, and allows anything in Electron mode', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(root, 'allowed', 'a-file'), 'x');
    const policy = createFsPolicy([path.join(root, 'allowed')]);
    expect(await code(policy.resolveWritable(path.join(root, 'allowed', 'a-file', 'x')))).toBe('BAD_REQUEST');
    expect(await createFsPolicy(null).resolveWritable(path.join(root, 'outside', 'y'))).toBe(
      path.join(root, 'outside', 'y'),
    );
  });
});

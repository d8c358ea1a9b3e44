import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confineToRoot, resolveDatasetImage } from '../../src/main/images/confine';
import { imageUrl, parseImagePath } from '@shared/ipc/image-url';
import { tempDir, writeJpeg } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let root: string;
let outside: string;

beforeAll(async () => {
  tmp = await tempDir();
  root = path.join(tmp.dir, 'dataset');
  outside = path.join(tmp.dir, 'secret');
  await writeJpeg(path.join(root, 'cats', 'a b#1.jpg'));
  await writeJpeg(path.join(root, 'cats', 'ok.jpg'));
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'passwd.jpg'), 'secret');
  await symlink(path.join(outside, 'passwd.jpg'), path.join(root, 'cats', 'escape.jpg'));
  await symlink(outside, path.join(root, 'linkdir'));
  await symlink(path.join(root, 'cats', 'ok.jpg'), path.join(root, 'cats', 'inside-link.jpg'));
  root = await realpath(root);
});
afterAll(() => tmp.cleanup());

describe('image path confinement', () => {
  it('serves a file inside the root', async () => {
    const r = await confineToRoot(root, 'cats/ok.jpg');
    expect(r).toEqual({ ok: true, path: path.join(root, 'cats', 'ok.jpg') });
  });

  it('follows a symlink that stays inside the root', async () => {
    const r = await confineToRoot(root, 'cats/inside-link.jpg');
    expect(r.ok && r.path).toBe(path.join(root, 'cats', 'ok.jpg'));
  });

  it.each([
    ['../secret/passwd.jpg', 403],
    ['cats/../../secret/passwd.jpg', 403],
    ['cats/..', 403],
    ['/etc/passwd', 403],
    ['C:/Windows/win.ini', 403],
    ['cats\\..\\..\\secret\\passwd.jpg', 403],
    ['cats/ok.jpg\0.png', 403],
  ])('refuses traversal %j with %i', async (rel, status) => {
    const r = await confineToRoot(root, rel);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.status).toBe(status);
  });

  it('refuses a symlinked file that leads out of the root (403)', async () => {
    const r = await confineToRoot(root, 'cats/escape.jpg');
    expect(r).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a symlinked folder that leads out of the root (403)', async () => {
    const r = await confineToRoot(root, 'linkdir/passwd.jpg');
    expect(r).toMatchObject({ ok: false, status: 403 });
  });

  it('answers 404 for missing files and folders', async () => {
    expect(await confineToRoot(root, 'cats/missing.jpg')).toMatchObject({ ok: false, status: 404 });
    expect(await confineToRoot(root, 'cats')).toMatchObject({ ok: false, status: 404 });
    expect(await confineToRoot(root, '')).toMatchObject({ ok: false, status: 404 });
  });

  it('answers 404 for a dataset id not opened this session', async () => {
    const rootOf = (id: string) => (id === 'known' ? root : undefined);
    expect(await resolveDatasetImage(rootOf, 'unknown', 'cats/ok.jpg')).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(await resolveDatasetImage(rootOf, 'known', 'cats/ok.jpg')).toMatchObject({ ok: true });
  });

  it('round-trips awkward file names through image URLs, and decoded traversal is still refused', async () => {
    for (const mode of ['electron', 'browser'] as const) {
      const url = imageUrl(mode, 'thumb', 'abc123', 'cats/a b#1.jpg');
      const tail = mode === 'electron' ? url.replace('studio-image://', '') : url.replace('/image/', '');
      const parsed = parseImagePath(tail)!;
      expect(parsed).toEqual({ kind: 'thumb', datasetId: 'abc123', rel: 'cats/a b#1.jpg' });
      expect((await confineToRoot(root, parsed.rel)).ok).toBe(true);
    }
    const sneaky = parseImagePath('thumb/abc/%2e%2e%2fsecret%2fpasswd.jpg')!;
    expect(sneaky.rel).toBe('../secret/passwd.jpg');
    expect(await confineToRoot(root, sneaky.rel)).toMatchObject({ ok: false, status: 403 });
    expect(parseImagePath('thumb/abc/%E0%A4%A')).toBeNull();
    expect(parseImagePath('original/abc/x.jpg')).toBeNull();
  });
});

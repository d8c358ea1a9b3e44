/**
 * E2E fixtures: the real `serve` CLI in a child process (renderer built first when missing or stale),
 * Debian's Chromium through playwright-core, generated datasets, screenshots under test-results/.
 */
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { ensureRendererBuilt } from '../../src/main/server/renderer-build';
import { makeDataset, writeJpeg } from '../helpers/app';

export { makeDataset, writeJpeg };
export const REPO = path.resolve(import.meta.dirname, '../..');
// The app shows and remembers folders by their real path (symlinks resolved for confinement), and
// ../shared may itself be a symlink, as CI lays it out: the tests speak in real paths too.
export const SHARED = realpathOr(path.resolve(REPO, '../shared'));
export const HYMENOPTERA = path.join(SHARED, 'datasets', 'hymenoptera_data');
export const RESULTS = path.join(REPO, 'test-results', 'e2e');

export interface ServeHandle {
  url: string;
  base: string;
  token: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `tsx src/main/server/serve.ts`, exactly what `npm run serve` runs. */
export async function startServe(o: { roots: string[]; dataDir: string }): Promise<ServeHandle> {
  await ensureRendererBuilt(REPO);
  const args = ['--import', 'tsx', 'src/main/server/serve.ts', '--port', '0', '--data-dir', o.dataDir];
  for (const r of o.roots) args.push('--root', r);
  const proc = spawn(process.execPath, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its URL within 120 s:\n${out}`)),
      120_000,
    );
    const check = () => {
      const m = /Open: (http:\/\/\S+\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    base: `${u.protocol}//${u.host}`,
    token: u.searchParams.get('token')!,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium not found. Install it first: apt-get update && apt-get install -y chromium');
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Debian Chromium with a fresh profile. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'ts-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: false }).catch(() => undefined);
  return file;
}

/** One class of `n` files that are symlinks to a few real JPEGs inside the same root. */
export async function makeLargeDataset(root: string, n: number): Promise<void> {
  const sources = path.join(root, 'many');
  for (let i = 0; i < 8; i++) await writeJpeg(path.join(sources, `src_${i}.jpg`), 96, 72, i + 1);
  for (let i = 8; i < n; i++)
    await symlink(`src_${i % 8}.jpg`, path.join(sources, `img_${String(i).padStart(5, '0')}.jpg`));
  await makeDataset(root, { few: 40 });
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

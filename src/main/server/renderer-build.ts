/**
 * Building the renderer for browser mode without electron-vite's main/preload steps. The same plugins
 * are used by electron.vite.config.ts, so both builds produce the same out/renderer.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import type { InlineConfig, Plugin, PluginOption } from 'vite';
import { RENDERER_CSP } from '../../shared/ipc/csp';

/** Adds the CSP <meta> to the built index.html (not in dev: the dev server injects inline scripts). */
export function cspMetaPlugin(): Plugin {
  return {
    name: 'transfer-studio:csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: RENDERER_CSP },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export function rendererPlugins(): PluginOption[] {
  return [react(), cspMetaPlugin()];
}

/** The `@shared/…` import alias (tsconfig paths) for vite: every build and the tests use this one. */
export function sharedAlias(repoRoot: string): Record<string, string> {
  return { '@shared': path.join(repoRoot, 'src', 'shared') };
}

export function rendererViteConfig(
  repoRoot: string,
  outDir = path.join(repoRoot, 'out', 'renderer'),
): InlineConfig {
  return {
    configFile: false,
    root: path.join(repoRoot, 'src', 'renderer'),
    base: './',
    plugins: rendererPlugins(),
    resolve: { alias: sharedAlias(repoRoot) },
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'chrome130', minify: true, reportCompressedSize: false },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Why out/renderer must be (re)built, or null when it is current. */
export function rendererBuildReason(
  repoRoot: string,
  outDir = path.join(repoRoot, 'out', 'renderer'),
): string | null {
  const index = path.join(outDir, 'index.html');
  if (!existsSync(index)) return `${outDir} has no build`;
  const built = statSync(index).mtimeMs;
  const sources = ['src/renderer', 'src/shared']
    .map((d) => path.join(repoRoot, d))
    .filter((d) => existsSync(d));
  // Only in a source checkout: a packaged app has no sources and never rebuilds.
  if (sources.some((d) => newestMtime(d) > built)) return 'renderer sources changed since the last build';
  return null;
}

/**
 * Build out/renderer with vite when it is missing or older than its sources (or when `force`).
 * Returns the folder and why it was built (null when the existing build was used).
 */
export async function ensureRendererBuilt(
  repoRoot: string,
  options: { force?: boolean; outDir?: string } = {},
) {
  const config = rendererViteConfig(repoRoot, options.outDir);
  const outDir = config.build!.outDir!;
  const reason = options.force ? 'rebuild requested' : rendererBuildReason(repoRoot, outDir);
  if (reason) {
    const { build } = await import('vite');
    await build(config);
  }
  return { outDir, reason };
}

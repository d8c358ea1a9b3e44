/**
 * Building the renderer for browser mode without electron-vite's main/preload steps. The same plugins
 * are used by electron.vite.config.ts, so both builds produce the same out/renderer.
 */
import { existsSync } from 'node:fs';
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
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: RENDERER_CSP }, injectTo: 'head-prepend' },
    ],
  };
}

export function rendererPlugins(): PluginOption[] {
  return [react(), cspMetaPlugin()];
}

export function rendererViteConfig(repoRoot: string, outDir = path.join(repoRoot, 'out', 'renderer')): InlineConfig {
  return {
    configFile: false,
    root: path.join(repoRoot, 'src', 'renderer'),
    base: './',
    plugins: rendererPlugins(),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'chrome130', minify: true, reportCompressedSize: false },
  };
}

/** Build out/renderer with vite unless it exists (or `force`). Returns the folder. */
export async function ensureRendererBuilt(repoRoot: string, options: { force?: boolean; outDir?: string } = {}) {
  const config = rendererViteConfig(repoRoot, options.outDir);
  const outDir = config.build!.outDir!;
  if (!options.force && existsSync(path.join(outDir, 'index.html'))) return outDir;
  const { build } = await import('vite');
  await build(config);
  return outDir;
}

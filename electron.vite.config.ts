import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererPlugins, sharedAlias } from './src/main/server/renderer-build';

// Native / wasm packages load their binaries relative to their own folder: never bundle them, even
// when `externalizeDeps` is off or they arrive through another package. onnxruntime-node dlopens its
// execution providers from node_modules/onnxruntime-node/bin; h5wasm reads its .wasm beside its ESM.
const nativeExternals = [
  'sharp',
  /^@tensorflow\//,
  /^@img\//,
  /^onnxruntime-(node|common)(\/|$)/,
  /^h5wasm(\/|$)/,
];

// electron-vite 6 reads `rolldownOptions` (its presets overwrite `rollupOptions` with it), but its
// types extend vite 7's, which only know `rollupOptions`: declared as plain objects, not literals.
const mainBuild = {
  externalizeDeps: true,
  rolldownOptions: {
    input: {
      index: resolve(__dirname, 'src/main/index.ts'),
      // The engine process (utilityProcess entry): out/main/engine-host.js.
      'engine-host': resolve(__dirname, 'src/main/engine-host/process.ts'),
      // Worker threads of the engine process, found beside the bundles that start them:
      // one per training run (out/main/run-worker.js) and the feature-extraction pool's.
      'run-worker': resolve(__dirname, 'src/main/engine-host/run-worker.ts'),
      'extract-worker': resolve(__dirname, 'src/main/engine/extract/extract-worker.ts'),
    },
    external: nativeExternals,
  },
};

const preloadBuild = {
  // A sandboxed preload cannot require() packages: bundle everything, emit CommonJS.
  externalizeDeps: false,
  minify: true,
  rolldownOptions: {
    input: { index: resolve(__dirname, 'src/preload/index.ts') },
    output: { format: 'cjs' as const, entryFileNames: '[name].cjs' },
  },
};

const rendererBuild = {
  minify: true,
  rolldownOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
};

const alias = sharedAlias(__dirname);

export default defineConfig({
  main: { build: mainBuild, resolve: { alias } },
  preload: { build: preloadBuild, resolve: { alias } },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: rendererPlugins(),
    resolve: { alias },
    build: rendererBuild,
  },
});

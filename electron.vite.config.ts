import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererPlugins } from './src/main/server/renderer-build';

// Native / wasm packages load their binaries relative to their own folder: never bundle them.
const nativeExternals = ['sharp', /^@tensorflow\//, /^@img\//];

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The engine process (utilityProcess entry): out/main/engine-host.js.
          'engine-host': resolve(__dirname, 'src/main/engine-host/process.ts'),
        },
        external: nativeExternals,
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() packages: bundle everything, emit CommonJS.
      externalizeDeps: false,
      minify: true,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: rendererPlugins(),
    build: {
      minify: true,
      rolldownOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});

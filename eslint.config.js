import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The layers, lowest first (README "Architecture"): each folder may import from its own layer and the
 * ones below, never from one above. Enforced on import specifiers: a path through a folder of a
 * higher layer (`../../core/runs`) is refused. test/unit/layers.test.ts shows the rule is active.
 */
/** Anything inside a folder of that name (not a file of that name: runners/images.ts is no layer). */
const folder = (name) => [`**/${name}/**`];
const browserOnly = {
  // The renderer and shared code run in a browser page too: no Node built-ins.
  paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
    name,
    message: 'no Node built-ins here: this code also runs in the browser',
  })),
};
export const LAYERS = [
  {
    layer: 'shared',
    files: ['src/shared/**/*.{ts,tsx}'],
    forbid: ['main', 'renderer', 'preload'],
    ...browserOnly,
  },
  {
    layer: 'util',
    files: ['src/main/util/**/*.ts'],
    forbid: [
      'engine',
      'engine-host',
      'core',
      'images',
      'settings',
      'electron',
      'server',
      'renderer',
      'preload',
    ],
  },
  {
    layer: 'engine',
    files: ['src/main/engine/**/*.ts'],
    forbid: ['engine-host', 'core', 'images', 'settings', 'electron', 'server', 'renderer', 'preload'],
  },
  {
    layer: 'engine-host',
    files: ['src/main/engine-host/**/*.ts'],
    forbid: ['core', 'images', 'settings', 'electron', 'server', 'renderer', 'preload'],
  },
  {
    layer: 'core',
    files: ['src/main/{core,images,settings}/**/*.ts'],
    forbid: ['electron', 'server', 'renderer', 'preload'],
  },
  {
    layer: 'app',
    files: ['src/main/{electron,server}/**/*.ts', 'src/main/index.ts'],
    forbid: ['renderer', 'preload'],
  },
  {
    layer: 'renderer',
    files: ['src/renderer/**/*.{ts,tsx}'],
    forbid: ['main', 'preload', 'electron'],
    ...browserOnly,
  },
  { layer: 'preload', files: ['src/preload/**/*.ts'], forbid: ['main', 'renderer'] },
];

const layerRules = LAYERS.map(({ layer, files, forbid, paths = [] }) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: forbid.flatMap(folder),
            message: `layer "${layer}" may not import from a layer above it (${forbid.join(', ')}); see README "Architecture"`,
          },
        ],
        paths: [
          // The Electron package belongs to the app layer (and the preload) alone.
          ...(forbid.includes('electron')
            ? [{ name: 'electron', message: `layer "${layer}" must stay Electron-free` }]
            : []),
          ...paths,
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  ...layerRules,
);

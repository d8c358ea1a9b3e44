/**
 * The layers hold: `npm run lint` (the repo's own ESLint config, through ESLint's Node API) refuses an
 * import from a higher layer and accepts one from a lower layer (`npm run lint` checks the repository
 * itself with the same rule). See README "Architecture".
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: REPO });
});

/** Lint `code` as if it were the file at `file` (not written anywhere): the layer-rule messages. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: path.join(REPO, file) });
  return r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rule (no-restricted-imports per folder)', () => {
  it.each([
    ['the engine importing core', 'src/main/engine/train/fixture.ts', "import { x } from '../../core/runs';"],
    [
      'the engine importing the engine host',
      'src/main/engine/fixture.ts',
      "import { x } from '../engine-host/host';",
    ],
    ['the engine importing Electron', 'src/main/engine/fixture.ts', "import { x } from 'electron';"],
    ['util importing the engine', 'src/main/util/fixture.ts', "import { x } from '../engine/tf';"],
    [
      'the engine host importing core',
      'src/main/engine-host/fixture.ts',
      "import { x } from '../core/runs';",
    ],
    ['core importing the server', 'src/main/core/fixture.ts', "import { x } from '../server/serve';"],
    [
      'the renderer importing main',
      'src/renderer/src/fixture.ts',
      "import { x } from '../../main/core/runs';",
    ],
    ['the renderer importing Node', 'src/renderer/src/fixture.ts', "import { x } from 'node:fs';"],
    ['shared importing main', 'src/shared/fixture.ts', "import { x } from '../main/engine/tf';"],
    ['shared importing Node', 'src/shared/fixture.ts', "import { x } from 'path';"],
    ['the preload importing main', 'src/preload/fixture.ts', "import { x } from '../main/core/runs';"],
  ])('refuses %s', async (_what, file, code) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
  });

  it.each([
    [
      'the engine importing shared and util',
      'src/main/engine/train/fixture.ts',
      "import { x } from '../../../shared/head';\nimport { y as x2 } from '../../util/paths';",
    ],
    [
      'the engine host importing the engine',
      'src/main/engine-host/fixture.ts',
      "import { x } from '../engine/tf';",
    ],
    [
      'core importing the engine host',
      'src/main/core/fixture.ts',
      "import { x } from '../engine-host/host';",
    ],
    ['the server importing core', 'src/main/server/fixture.ts', "import { x } from '../core/app-core';"],
    [
      'the renderer importing shared',
      'src/renderer/src/fixture.ts',
      "import { x } from '../../shared/run-state';",
    ],
    [
      'the renderer importing shared by its alias',
      'src/renderer/src/fixture.ts',
      "import { x } from '@shared/run-state';",
    ],
    [
      'the engine importing shared by its alias',
      'src/main/engine/fixture.ts',
      "import { x } from '@shared/head';",
    ],
    [
      'a runner importing its sibling images.ts',
      'src/main/engine-host/runners/fixture.ts',
      "import { x } from './images';",
    ],
  ])('accepts %s', async (_what, file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});

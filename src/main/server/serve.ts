/**
 * `npm run serve`: Transfer Studio in a browser. The same handler table and engine host as the
 * desktop app, behind HTTP + WebSocket on 127.0.0.1 (other interfaces only with --host), guarded by a
 * random token printed in the URL.
 *
 *   --port <n>        default 5217 (next free one if busy; 0 = any free port)
 *   --host <addr>     default 127.0.0.1
 *   --allow-host <n>  another host name requests may use (repeatable; loopback names, the --host
 *                     and, on 0.0.0.0, this machine's addresses always work; others get 403)
 *   --root <dir>      also allow browsing/opening datasets under <dir> (repeatable; home is always allowed)
 *   --data-dir <dir>  settings file and default cache (default: ~/.config/transfer-studio)
 *   --token <t>       fixed token (default: random; or TRANSFER_STUDIO_TOKEN)
 *   --rebuild         rebuild out/renderer first
 *
 * The UI is the built renderer in out/renderer (`npx electron-vite build` makes it too); serve builds
 * it with vite itself when it is missing or older than the sources in src/renderer and src/shared.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { appRoot } from '../util/paths';
import { createAppCore } from '../core/app-core';
import { nodeEngineLauncher } from '../engine-host/launcher';
import { JsonFileSettingsStore } from '../settings/store';
import { startStudioServer } from './http-server';
import type { StudioServer } from './http-server';
import { ensureRendererBuilt } from './renderer-build';

const DEFAULT_PORT = 5217;

function defaultDataDir(): string {
  const base =
    process.platform === 'win32'
      ? (process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'))
      : (process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'));
  return path.join(base, 'transfer-studio');
}

async function listenWithFallback(start: (port: number) => Promise<StudioServer>, port: number) {
  if (port === 0) return start(0);
  for (let p = port; p < port + 10; p++) {
    try {
      return await start(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  return start(0);
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      root: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      token: { type: 'string' },
      rebuild: { type: 'boolean' },
    },
  });
  const repo = appRoot();
  const version = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string })
    .version;
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  const roots = [os.homedir(), ...(values.root ?? []).map((r) => path.resolve(r))];
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: not a port number: ${values.port}`);

  const t0 = Date.now();
  const { outDir: rendererDir, reason } = await ensureRendererBuilt(repo, { force: values.rebuild });
  if (reason)
    console.log(
      `Built the renderer into ${rendererDir} (${reason}; ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );

  const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
  const core = createAppCore({
    mode: 'browser',
    version,
    settings,
    launcher: nodeEngineLauncher(),
    fsRoots: roots,
    fallbackCacheDir: values['data-dir'] ? path.join(dataDir, 'cache') : undefined,
  });
  const server = await listenWithFallback(
    (p) =>
      startStudioServer({
        core,
        rendererDir,
        host: values.host ?? '127.0.0.1',
        port: p,
        token: values.token ?? process.env.TRANSFER_STUDIO_TOKEN,
        allowedHosts: values['allow-host'],
      }),
    port,
  );
  console.log(`Transfer Studio ${version} — browser mode`);
  console.log(`  Open: ${server.url}`);
  console.log(`  Folders you can open: ${roots.join(', ')}`);
  console.log(`  Settings: ${settings.location}`);
  if (server.host !== '127.0.0.1' && server.host !== 'localhost')
    console.log(
      `  Listening on ${server.host}: anyone who has the token can use this machine's files and CPU.`,
    );

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    core.dispose();
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: Error) => {
  console.error(`serve: ${e.message}`);
  process.exit(1);
});

/**
 * How main starts the engine process. One interface, two implementations: Electron's utilityProcess
 * (src/main/electron/utility-launcher.ts) and Node's child_process.fork (below), used by browser mode
 * and tests.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineToHost, HostToEngine } from '@shared/ipc/engine-protocol';

export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** Electron's child-process-gone reason ('oom', 'crashed', 'killed', …) when known. */
  reason?: string;
  /** The last lines the process wrote to stderr (a V8 OOM message lands here). */
  stderrTail: string;
}

export interface EngineChild {
  readonly pid: number | undefined;
  send(msg: HostToEngine): void;
  kill(): void;
  onMessage(listener: (msg: EngineToHost) => void): void;
  onExit(listener: (exit: EngineExit) => void): void;
}

export type EngineLauncher = () => EngineChild;

const STDERR_TAIL = 4096;

/** Keeps the last few KB of a stream while forwarding it to our own stderr. */
export function tailCollector(forward: (chunk: Buffer) => void = (c) => process.stderr.write(c)) {
  let tail = '';
  return {
    push(chunk: Buffer) {
      forward(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    },
    get tail() {
      return tail;
    },
  };
}

export interface NodeLauncherOptions {
  /** The engine-host entry. Default: process.ts beside this file (run through tsx) or the built engine-host.js. */
  script?: string;
  /** V8 heap cap for the engine process, in MB. */
  maxOldSpaceMb?: number;
  env?: NodeJS.ProcessEnv;
}

export function defaultEngineScript(): { script: string; execArgv: string[] } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const ts = path.join(here, 'process.ts');
  if (existsSync(ts)) return { script: ts, execArgv: ['--import', 'tsx'] };
  // Built layout: out/main/engine-host.js beside the main bundle (or its chunks/ folder).
  for (const p of [path.join(here, 'engine-host.js'), path.join(here, '..', 'engine-host.js')]) {
    if (existsSync(p)) return { script: p, execArgv: [] };
  }
  throw new Error(`engine-host entry not found near ${here}`);
}

export function nodeEngineLauncher(options: NodeLauncherOptions = {}): EngineLauncher {
  return () => {
    const def = options.script
      ? { script: options.script, execArgv: options.script.endsWith('.ts') ? ['--import', 'tsx'] : [] }
      : defaultEngineScript();
    const execArgv = [...def.execArgv];
    if (options.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${options.maxOldSpaceMb}`);
    const env = { ...(options.env ?? process.env) };
    // From source: tsx takes the `@shared/…` path alias from the repository's tsconfig, whatever the cwd.
    if (def.script.endsWith('.ts'))
      env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
    const child = fork(def.script, [], {
      execArgv,
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const stderr = tailCollector();
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    return {
      get pid() {
        return child.pid;
      },
      send(msg) {
        if (child.connected) child.send(msg);
      },
      kill() {
        child.kill('SIGKILL');
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as EngineToHost));
      },
      onExit(listener) {
        // 'close' (not 'exit') so stderr is fully read before we describe the death.
        child.once('close', (code, signal) => listener({ code, signal, stderrTail: stderr.tail }));
      },
    };
  };
}

/** The app's engine launcher: an Electron utilityProcess running out/main/engine-host.js. */
import { app, utilityProcess } from 'electron';
import type { EngineToHost } from '@shared/ipc/engine-protocol';
import { tailCollector } from '../engine-host/launcher';
import type { EngineExit, EngineLauncher } from '../engine-host/launcher';

const SERVICE_NAME = 'Transfer Studio Engine';

export function utilityEngineLauncher(script: string): EngineLauncher {
  return () => {
    const child = utilityProcess.fork(script, [], {
      serviceName: SERVICE_NAME,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    const stderr = tailCollector();
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    // child-process-gone knows *why* (oom, crashed, killed…); 'exit' only knows the code.
    let reason: string | undefined;
    const onGone = (_e: Electron.Event, d: Electron.Details) => {
      if (d.type === 'Utility' && d.serviceName === SERVICE_NAME && d.exitCode !== undefined)
        reason = d.reason;
    };
    app.on('child-process-gone', onGone);
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => child.postMessage(msg),
      kill: () => void child.kill(),
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as EngineToHost)),
      onExit: (listener) =>
        child.once('exit', (code: number) => {
          // Give child-process-gone (same tick or the next) the chance to say why.
          setTimeout(() => {
            app.off('child-process-gone', onGone);
            const exit: EngineExit = { code, signal: null, reason, stderrTail: stderr.tail };
            listener(exit);
          }, 50);
        }),
    };
  };
}

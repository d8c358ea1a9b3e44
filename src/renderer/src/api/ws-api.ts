/**
 * Browser mode's `window.api`: the same contract over a WebSocket to `npm run serve`. The access
 * cookie set on first load authenticates the socket. Reconnects with backoff; requests in flight when
 * the socket drops answer DISCONNECTED.
 */
import { buildApi } from '@shared/ipc/contract';
import type { ApiResult, ChannelName, EventName, StudioApi } from '@shared/ipc/contract';
import { WS_PATH } from '@shared/ipc/ws-protocol';
import type { WsClientMessage, WsServerMessage } from '@shared/ipc/ws-protocol';

/** 'unauthorized': the server answers 401 (it restarted with a new token); retrying cannot help. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface WsApi {
  api: StudioApi;
  connection(): ConnectionState;
  /** Calls the listener with the current state at once, then on every change. */
  onConnection(listener: (s: ConnectionState) => void): () => void;
}

export function createWsApi(
  url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`,
): WsApi {
  let ws: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let retryMs = 500;
  const pending = new Map<number, (r: ApiResult<unknown>) => void>();
  const outbox: string[] = [];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: ConnectionState) => void>();

  const setState = (s: ConnectionState) => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  const retry = () => {
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };

  const connect = () => {
    setState('connecting');
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      retryMs = 500;
      setState('open');
      for (const m of outbox.splice(0)) sock.send(m);
    };
    sock.onmessage = (ev) => {
      let msg: WsServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as WsServerMessage;
      } catch {
        return;
      }
      if ('id' in msg) {
        const done = pending.get(msg.id);
        pending.delete(msg.id);
        done?.(msg.result);
      } else {
        for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
      }
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      setState('closed');
      for (const [id, done] of pending) {
        pending.delete(id);
        done({
          ok: false,
          error: { code: 'DISCONNECTED', message: 'Lost the connection to the Transfer Studio server.' },
        });
      }
      // A refused upgrade looks like any other close; ask over HTTP whether our cookie still counts.
      void fetch('/', { method: 'HEAD', cache: 'no-store' }).then(
        (r) => (r.status === 401 ? setState('unauthorized') : retry()),
        () => retry(),
      );
    };
  };
  connect();

  const invoke = (channel: ChannelName, request: unknown) =>
    new Promise<ApiResult<unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      const frame = JSON.stringify({ id, channel, request } satisfies WsClientMessage);
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(frame);
      else outbox.push(frame);
    });

  const subscribe = (event: EventName, listener: (p: unknown) => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  };

  return {
    api: buildApi('browser', invoke, subscribe),
    connection: () => state,
    // A listener hears the current state at once: one that subscribes after the socket opened (React
    // runs effects after the first paint, and the open event can come first) would otherwise never
    // learn it, and the app would sit at "connecting" with its info never loaded.
    onConnection: (l) => {
      stateListeners.add(l);
      l(state);
      return () => void stateListeners.delete(l);
    },
  };
}

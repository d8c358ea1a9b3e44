/**
 * The renderer's handle on main: `window.api` from the preload in Electron, the WebSocket transport in
 * browser mode. `call` unwraps the contract's result envelope and throws ApiCallError on failure.
 */
import type { ApiError, ChannelName, RequestInput, Response, StudioApi } from '@shared/ipc/contract';
import { createWsApi } from './ws-api';
import type { ConnectionState } from './ws-api';

export class ApiCallError extends Error {
  override name = 'ApiCallError';
  constructor(readonly error: ApiError) {
    super(error.message);
  }
  get code() {
    return this.error.code;
  }
}

interface Client {
  api: StudioApi;
  connection: () => ConnectionState;
  onConnection: (l: (s: ConnectionState) => void) => () => void;
}

let client: Client | null = null;

export function getClient(): Client {
  if (client) return client;
  if (window.api) {
    client = { api: window.api, connection: () => 'open', onConnection: (l) => (l('open'), () => undefined) };
  } else {
    client = createWsApi();
    // Same shape as Electron's preload-provided `window.api` (handy from the devtools console too).
    window.api = client.api;
  }
  return client;
}

export const api = (): StudioApi => getClient().api;

export async function call<C extends ChannelName>(
  channel: C,
  request: RequestInput<C>,
): Promise<Response<C>> {
  const invoke = api()[channel] as (r: RequestInput<C>) => ReturnType<StudioApi[C]>;
  const r = await invoke(request);
  if (!r.ok) throw new ApiCallError(r.error);
  return r.data as Response<C>;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiCallError) {
    const issues = e.error.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
    return issues ? `${e.message} (${issues})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Browser mode: the WebSocket frames carrying the same contract as Electron IPC. JSON text frames. */
import type { ApiResult, ChannelName, EventName } from './contract';

export type WsClientMessage = { id: number; channel: ChannelName; request: unknown };

export type WsServerMessage =
  { id: number; result: ApiResult<unknown> } | { event: EventName; payload: unknown };

/** HTTP paths of browser mode. */
export const WS_PATH = '/ws';
export const IMAGE_HTTP_PREFIX = '/image';
export const IMAGE_PROTOCOL = 'studio-image';

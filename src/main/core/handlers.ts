/**
 * Main's request handlers — the same table behind Electron IPC and the browser-mode WebSocket, put
 * together from one module per screen. Typed against the contract: a channel without a handler does
 * not compile.
 */
import { appHandlers } from './app-handlers';
import { augmentHandlers } from './augment-handlers';
import { baseHandlers } from './base-handlers';
import { datasetHandlers } from './dataset-handlers';
import type { HandlerContext, Handlers } from './handler-context';
import { qualityHandlers } from './quality-handlers';
import { runHandlers } from './run-handlers';
import { runModelHandlers } from './run-model-handlers';
import { settingsHandlers } from './settings-handlers';

export type { HandlerContext, Handlers } from './handler-context';

export function createHandlers(ctx: HandlerContext): Handlers {
  return {
    ...appHandlers(ctx),
    ...datasetHandlers(ctx),
    ...baseHandlers(ctx),
    ...augmentHandlers(ctx),
    ...runHandlers(ctx),
    ...runModelHandlers(ctx),
    ...qualityHandlers(ctx),
    ...settingsHandlers(ctx),
  };
}

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { createWsApi, type ConnectionState } from './ws-api';

// A real socket on both ends (Node 20 has no global WebSocket: `ws`'s client implements the same API).
let wss: WebSocketServer;
let url: string;
beforeAll(async () => {
  vi.stubGlobal('WebSocket', NodeWebSocket);
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.on('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`;
});
afterAll(() => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  vi.unstubAllGlobals();
});

describe('browser mode’s connection state', () => {
  it('a listener that subscribes after the socket opened hears "open" at once', async () => {
    // The app subscribes in an effect, which React runs after the first paint; on a busy machine the
    // socket can open before that, and a listener that only heard changes would wait forever.
    const client = createWsApi(url);
    await vi.waitFor(() => expect(client.connection()).toBe('open'), { timeout: 10_000 });
    const seen: ConnectionState[] = [];
    const off = client.onConnection((s) => seen.push(s));
    expect(seen).toEqual(['open']);
    off();
  });

  it('a listener that subscribes before the socket opens hears "connecting", then "open"', async () => {
    const client = createWsApi(url);
    const seen: ConnectionState[] = [];
    const off = client.onConnection((s) => seen.push(s));
    await vi.waitFor(() => expect(seen.at(-1)).toBe('open'), { timeout: 10_000 });
    expect(seen).toEqual(['connecting', 'open']);
    off();
  });
});

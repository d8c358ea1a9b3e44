/**
 * `studio-image://<kind>/<datasetId>/<rel>`: thumbnails and previews for the renderer, confined to
 * dataset roots opened this session (see images/confine.ts).
 */
import { protocol } from 'electron';
import { parseImagePath } from '@shared/ipc/image-url';
import { IMAGE_PROTOCOL } from '@shared/ipc/ws-protocol';
import type { AppCore } from '../core/app-core';

/** Must run before app 'ready'. */
export function registerImageScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: IMAGE_PROTOCOL,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ]);
}

export function handleImageProtocol(core: AppCore): void {
  protocol.handle(IMAGE_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    const parsed = parseImagePath(`${url.host}${url.pathname}`);
    if (!parsed) return new Response('not found', { status: 404 });
    try {
      const r = await core.image(parsed.kind, parsed.datasetId, parsed.rel, request.signal);
      if (r.status !== 200) return new Response(r.reason, { status: r.status });
      return new Response(new Uint8Array(r.image.body), {
        status: 200,
        headers: { 'content-type': r.image.contentType, 'cache-control': 'private, max-age=3600' },
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') return new Response('aborted', { status: 499 });
      return new Response('internal error', { status: 500 });
    }
  });
}

/**
 * Image URLs, built by the renderer and parsed by main: `studio-image://<kind>/<datasetId>/<rel>` in
 * Electron, `/image/<kind>/<datasetId>/<rel>` in browser mode. `rel` is the dataset-relative path with
 * each segment percent-encoded.
 */
import { IMAGE_HTTP_PREFIX, IMAGE_PROTOCOL } from './ws-protocol';

export const IMAGE_KINDS = ['thumb', 'preview'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

const encodeRel = (rel: string) => rel.split('/').map(encodeURIComponent).join('/');

export function imageUrl(
  mode: 'electron' | 'browser',
  kind: ImageKind,
  datasetId: string,
  rel: string,
): string {
  const tail = `${kind}/${encodeURIComponent(datasetId)}/${encodeRel(rel)}`;
  return mode === 'electron' ? `${IMAGE_PROTOCOL}://${tail}` : `${IMAGE_HTTP_PREFIX}/${tail}`;
}

export interface ImageRequest {
  kind: ImageKind;
  datasetId: string;
  /** Decoded, still untrusted: confinement happens in main. */
  rel: string;
}

/**
 * Parse `<kind>/<datasetId>/<rel…>` (already stripped of scheme/prefix). Returns null for anything
 * malformed, including undecodable percent-escapes.
 */
export function parseImagePath(tail: string): ImageRequest | null {
  const parts = tail.replace(/^\/+/, '').split('/');
  if (parts.length < 3) return null;
  const [kind, id, ...relParts] = parts;
  if (!(IMAGE_KINDS as readonly string[]).includes(kind)) return null;
  try {
    return {
      kind: kind as ImageKind,
      datasetId: decodeURIComponent(id),
      rel: relParts.map(decodeURIComponent).join('/'),
    };
  } catch {
    return null;
  }
}

/**
 * Checks browser mode makes on every request and upgrade before anything else, none of which may
 * throw: a hostile header must earn a refusal, never an exception in a server callback.
 */
import os from 'node:os';
import type { IncomingMessage } from 'node:http';
import { MAX_UPLOAD_BASE64 } from '@shared/ipc/contract';

/**
 * The largest WebSocket message accepted: one uploaded image (base64, see MAX_UPLOAD_BASE64; Try it
 * sends at most one such image per message) plus its JSON envelope. Larger messages close that
 * socket with 1009 and a reason; nothing else is affected.
 */
export const MAX_WS_MESSAGE = MAX_UPLOAD_BASE64 + 1024 * 1024;

/** The request target as a URL (path and query only matter), or null when it does not parse. */
export function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** A host name or IP literal as it appears in a Host header (IPv6 bracketed), lower-cased. */
function hostForm(h: string): string {
  const s = h.trim().toLowerCase();
  return s.includes(':') && !s.startsWith('[') ? `[${s}]` : s;
}

/**
 * Host names this server answers to (Jupyter's rule against DNS rebinding: a page on evil.example
 * that re-points its name at 127.0.0.1 still sends `Host: evil.example`). Loopback names always;
 * the bind address given; on a wildcard bind, this machine's addresses and host name too (an IP
 * literal cannot be rebound, and that is how a remote laptop reaches the box); plus `extra`.
 */
export function allowedHosts(bindHost: string, extra: string[] = []): Set<string> {
  const out = new Set(['127.0.0.1', 'localhost', '[::1]', hostForm(bindHost), ...extra.map(hostForm)]);
  if (WILDCARDS.has(hostForm(bindHost))) {
    out.add(hostForm(os.hostname()));
    for (const addrs of Object.values(os.networkInterfaces()))
      for (const a of addrs ?? []) out.add(hostForm(a.address.split('%')[0]));
  }
  return out;
}

// Exactly a name or IP literal with an optional port: nothing a URL parser would reinterpret
// (`evil@127.0.0.1`, paths, spaces).
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** Whether the Host header names this server (see allowedHosts). */
export function hostAllowed(header: string | undefined, allowed: Set<string>): boolean {
  const m = header === undefined ? null : HOST_HEADER.exec(header.trim());
  return m !== null && allowed.has(m[1].toLowerCase());
}

/**
 * Cross-site WebSocket hijacking: an upgrade carrying an Origin must come from this server's own
 * page (same host and port as the already allow-listed Host). `Origin: null` (sandboxed frames,
 * file: pages) and anything unparseable are refused.
 */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // not a browser: the token alone decides
  try {
    return new URL(origin).host === (host ?? '').trim().toLowerCase();
  } catch {
    return false;
  }
}

/** WebSocket close codes this server causes, with the reason sent alongside (≤ 123 bytes). */
export const CLOSE_REASONS: Record<number, string> = {
  1007: 'invalid UTF-8 in a text message',
  1009: `message too big: the limit is ${Math.round(MAX_WS_MESSAGE / 1e6)} MB`,
};

/**
 * Browser-mode access control, Jupyter-style: a random token printed in the URL. The first request
 * carrying `?token=` gets an HttpOnly, SameSite=Strict cookie so later requests (images, the
 * WebSocket) need no token in their URL. `Authorization: Bearer <token>` works for scripts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const newToken = () => randomBytes(24).toString('base64url');

/** Cookies are shared across ports on one host, so the name carries the port. */
export const cookieName = (port: number) => `transfer_studio_token_${port}`;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Cookies by name; a value that does not decode (`%E0%A4%A`) is left out, never thrown about. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // someone else's malformed cookie: not ours to judge, and not a token
    }
  }
  return out;
}

export type AuthResult = { ok: false } | { ok: true; via: 'query' | 'cookie' | 'header' };

export function authenticate(req: IncomingMessage, url: URL, token: string, port: number): AuthResult {
  const q = url.searchParams.get('token');
  if (q !== null && same(q, token)) return { ok: true, via: 'query' };
  const c = parseCookies(req.headers.cookie)[cookieName(port)];
  if (c !== undefined && same(c, token)) return { ok: true, via: 'cookie' };
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ') && same(h.slice(7).trim(), token)) return { ok: true, via: 'header' };
  return { ok: false };
}

export const authCookie = (token: string, port: number) =>
  `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;

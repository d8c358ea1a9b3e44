/**
 * The Content-Security-Policy of the renderer: injected as a <meta> tag into the built index.html, and
 * sent as a header by browser mode. No inline or remote script, no eval; images only from the app, the
 * image protocol, data: and blob:; network only back to the app's own origin (its WebSocket included).
 * `style-src 'unsafe-inline'`: recharts and React style attributes need it.
 */
const directives = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: studio-image:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

export const RENDERER_CSP = directives.join('; ');
/** Header form: adds what a <meta> tag cannot express. */
export const RENDERER_CSP_HEADER = [...directives, "frame-ancestors 'none'"].join('; ');

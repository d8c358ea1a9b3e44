/**
 * An HTTP mirror of the official download hosts: `TRANSFER_STUDIO_DOWNLOAD_ORIGIN=https://proxy.example/m`
 * fetches `https://storage.googleapis.com/a/b.h5` as `https://proxy.example/m/a/b.h5` (a company proxy,
 * an air-gapped copy, or a loopback server in tests). Hashes are checked as for the official URL.
 */
export function downloadUrl(url: string, origin = process.env.TRANSFER_STUDIO_DOWNLOAD_ORIGIN): string {
  if (!origin) return url;
  const u = new URL(url);
  return `${origin.replace(/\/+$/, '')}${u.pathname}${u.search}`;
}

import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseCookies } from './auth';
import { allowedHosts, hostAllowed, originAllowed } from './guard';

describe('browser-mode request guards', () => {
  it('allows loopback names and the bind address, with any port, and nothing else', () => {
    const hosts = allowedHosts('127.0.0.1');
    for (const h of ['127.0.0.1:5217', 'localhost', 'LocalHost:1', '[::1]:5217', '[::1]'])
      expect(hostAllowed(h, hosts), h).toBe(true);
    for (const h of [undefined, '', 'evil.example', 'localhost.', '127.0.0.1.nip.io', 'a@localhost', '::1'])
      expect(hostAllowed(h, hosts), String(h)).toBe(false);
    expect(hostAllowed('192.168.1.5:5217', allowedHosts('192.168.1.5'))).toBe(true);
    expect(hostAllowed('[fe80::1]:80', allowedHosts('fe80::1'))).toBe(true);
    expect(hostAllowed('box.lan:5217', allowedHosts('127.0.0.1', ['Box.lan']))).toBe(true);
  });

  it('on a wildcard bind, also allows this machine’s own addresses and name', () => {
    const hosts = allowedHosts('0.0.0.0');
    const v4 = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4');
    if (v4) expect(hostAllowed(`${v4.address}:5217`, hosts)).toBe(true);
    expect(hostAllowed(os.hostname(), hosts)).toBe(true);
    expect(hostAllowed('evil.example', hosts)).toBe(false);
  });

  it('accepts only an Origin on the same host and port; null and junk are refused', () => {
    expect(originAllowed(undefined, 'localhost:1')).toBe(true);
    expect(originAllowed('http://localhost:1', 'localhost:1')).toBe(true);
    for (const o of ['null', 'http://localhost:2', 'http://evil.example', '%%', ''])
      expect(originAllowed(o, 'localhost:1'), o).toBe(false);
  });

  it('skips cookies that do not decode instead of throwing', () => {
    expect(parseCookies('x=%E0%A4%A; t=ok%20;=y; z')).toEqual({ t: 'ok ' });
  });
});

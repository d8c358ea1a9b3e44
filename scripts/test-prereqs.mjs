#!/usr/bin/env node
// Before `npm test`: the E2E tests drive Debian's Chromium (Playwright cannot download a browser here).
// Install it when missing and we can (root on Debian/Ubuntu); otherwise say exactly what to run.
import { execSync } from 'node:child_process';
import process from 'node:process';

const { console } = globalThis;

const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

if (!has('chromium')) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && has('apt-get')) {
    console.error('test-prereqs: installing Debian chromium for the browser tests…');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
      stdio: 'inherit',
      shell: '/bin/sh',
    });
  } else {
    console.error(
      "test-prereqs: Chromium is needed for the E2E tests: sudo apt-get install -y chromium (or your distro's chromium package)",
    );
    process.exit(1);
  }
}

/** E2E steps: a test that, when it fails, saves a screenshot and prints the server's last output. */
import type { Page } from 'playwright-core';
import { it } from 'vitest';
import { screenshot, type ServeHandle } from './fixtures';

export function e2eStep(o: {
  page: () => Page;
  serve: () => ServeHandle;
  /** Screenshot name prefix. */
  prefix?: string;
  /** Tidy the page for the next step after a failure. */
  afterFailure?: (page: Page) => Promise<void>;
}) {
  return (name: string, fn: () => Promise<void>, timeout?: number) =>
    it(
      name,
      async ({ onTestFailed }) => {
        onTestFailed(async () => {
          const file = await screenshot(o.page(), `FAILED-${o.prefix ?? ''}${name}`);
          console.error(`screenshot: ${file}\nserver output:\n${o.serve().output().slice(-3000)}`);
          await o.afterFailure?.(o.page());
        });
        await fn();
      },
      timeout,
    );
}

/**
 * Page-side instrumentation for the UI bench (runs in Chromium; source text, because the bench is
 * type-checked without the DOM library). Marks are performance.now() times relative to `t0`.
 */

/**
 * Before clicking Open: record when the scan progress first shows, how often its text changes, when the
 * dataset heading and the first grid cell appear, and every frame interval until `__ui.stop()`.
 */
export const INSTRUMENT_OPEN = `(() => {
  const ui = { t0: performance.now(), marks: {}, frames: [], progressTexts: 0, running: true };
  window.__ui = ui;
  const mark = (k) => { if (ui.marks[k] === undefined) ui.marks[k] = performance.now() - ui.t0; };
  let lastText = '';
  const check = () => {
    const p = document.querySelector('[data-testid=scan-progress]');
    if (p) {
      mark('progressShown');
      const t = p.textContent;
      if (t !== lastText) { lastText = t; ui.progressTexts++; if (/\\d+ \\/ [\\d,]+ files/.test(t)) mark('firstCount'); }
    }
    if (document.querySelector('[data-testid=dataset-head]')) mark('heading');
    if (document.querySelector('[data-testid=thumb-grid] .thumb')) {
      mark('gridCells');
      // The frame after the cells exist is the first one that shows them.
      requestAnimationFrame(() => mark('gridPainted'));
      obs.disconnect();
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  let last = performance.now();
  const tick = (t) => {
    ui.frames.push(t - last);
    last = t;
    if (ui.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  ui.stop = () => { ui.running = false; obs.disconnect(); };
})()`;

/** Flick the grid like a user: `px` per frame for `frames` frames; resolves with frame intervals (ms). */
export const FLICK = `(async ({ px, frames }) => {
  const el = document.querySelector('[data-testid=thumb-grid]');
  const out = [];
  let last = performance.now();
  await new Promise((resolve) => {
    let n = 0;
    const tick = (t) => {
      out.push(t - last);
      last = t;
      el.scrollTop += px;
      if (++n < frames) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  return { frames: out, scrollTop: el.scrollTop, scrollHeight: el.scrollHeight, cells: el.querySelectorAll('.thumb').length };
})`;

/** Jump to a fraction of the grid and time until the cell there exists and its thumbnail has loaded. */
export const JUMP = `(async (fraction) => {
  const el = document.querySelector('[data-testid=thumb-grid]');
  const t0 = performance.now();
  el.scrollTop = el.scrollHeight * fraction;
  const rows = Number(el.dataset.rows), cols = Number(el.dataset.columns);
  const pos = Math.min(rows * cols - 1, Math.floor(rows * fraction) * cols + 1);
  const until = (f) => new Promise((resolve) => {
    const poll = () => (f() ? resolve(performance.now() - t0) : requestAnimationFrame(poll));
    poll();
  });
  const cellMs = await until(() => el.querySelector('.thumb[data-pos="' + pos + '"]'));
  const imgMs = await Promise.race([
    until(() => { const i = el.querySelector('.thumb[data-pos="' + pos + '"] img'); return i && i.complete && i.naturalWidth > 0; }),
    new Promise((r) => setTimeout(() => r(null), 20000)),
  ]);
  return { fraction, cellMs, imgMs };
})`;

/** Move the validation-fraction slider and time until the class table shows the new counts. */
export const RESPLIT = `(async (value) => {
  const input = document.querySelector('input[aria-label="Validation fraction"]');
  const cell = () => document.querySelector('[data-testid=class-table] tbody tr td[data-split=val]').textContent;
  const before = cell();
  const t0 = performance.now();
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  setter.call(input, String(value));
  input.dispatchEvent(new Event('input', { bubbles: true }));
  return await new Promise((resolve) => {
    const poll = () => (cell() !== before ? resolve({ ms: performance.now() - t0, before, after: cell() }) : requestAnimationFrame(poll));
    poll();
    setTimeout(() => resolve({ ms: null, before, after: cell() }), 30000);
  });
})`;

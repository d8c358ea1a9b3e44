/**
 * Page-side code the E2E tests run in Chromium: source text, or functions over the few browser shapes
 * declared here (the tests are type-checked without the DOM library).
 */

export interface Img {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}
declare const requestAnimationFrame: (cb: (t: number) => void) => number;

/** Scroll `el` by 400 px per frame for 120 frames, the way a user flicks; resolves with frame intervals. */
export const flickScroll = (el: { scrollTop: number }) =>
  new Promise<number[]>((resolve) => {
    const deltas: number[] = [];
    let last = performance.now();
    let n = 0;
    const tick = (t: number) => {
      deltas.push(t - last);
      last = t;
      el.scrollTop += 400;
      if (++n < 120) requestAnimationFrame(tick);
      else resolve(deltas);
    };
    requestAnimationFrame(tick);
  });
/** Click Stop and resolve with the milliseconds until the run status reads "stopped". */
export const TIMED_STOP = `new Promise((resolve, reject) => {
  const status = () => document.querySelector('[data-testid=run-status]')?.getAttribute('data-status');
  const t = performance.now();
  const obs = new MutationObserver(() => {
    if (status() === 'stopped') {
      obs.disconnect();
      resolve(performance.now() - t);
    }
  });
  obs.observe(document.body, { subtree: true, attributes: true, childList: true });
  document.querySelector('[data-testid=stop]').click();
  setTimeout(() => reject(new Error('still ' + status() + ' after 10 s')), 10000);
})`;
/** Drop a file (base64 bytes) on an element with a real DataTransfer. */
export const DROP_FILE = `(selector, b64, name) => {
  const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bin], name, { type: 'image/jpeg' }));
  const zone = document.querySelector(selector);
  for (const type of ['dragenter', 'dragover', 'drop'])
    zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
}`;

/** Frame intervals (ms) over two seconds of requestAnimationFrame. */
export const FRAME_TIMES = `new Promise((resolve) => {
  const out = [];
  let last = performance.now();
  const end = last + 2000;
  const tick = (t) => {
    out.push(t - last);
    last = t;
    if (t < end) requestAnimationFrame(tick);
    else resolve(out);
  };
  requestAnimationFrame(tick);
})`;
/** Remember whether the export progress bar ever appears. */
export const WATCH_PROGRESS = `(() => {
  window.__sawExportProgress = false;
  const obs = new MutationObserver(() => {
    if (document.querySelector('[data-testid=export-progress] [role=progressbar]')) {
      window.__sawExportProgress = true;
      obs.disconnect();
    }
  });
  obs.observe(document.body, { subtree: true, childList: true });
})()`;

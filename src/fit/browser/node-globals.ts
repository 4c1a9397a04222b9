/**
 * Node globals the library's modules use, for the browser bundle: scripts/build-browser.mjs injects these
 * (esbuild `inject`), so a free `setImmediate` in a bundled module refers to this export and the page's globals
 * stay untouched.
 */

/** Run `fn` on the next turn of the event loop: a MessageChannel message, not clamped as nested timeouts are. */
export function setImmediate(fn: () => void): void {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    fn();
  };
  ch.port2.postMessage(null);
}

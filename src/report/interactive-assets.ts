/**
 * The Vega runtime that interactive pages inline: node_modules/vega/build/vega.min.js (≈ 520 kB), read once per
 * process. Inlined rather than linked so a page opens from file:// or an e-mail attachment with no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let cached: string | undefined;

/** vega.min.js as text, safe inside a `<script>` element (no `</script` sequence). */
export function vegaRuntime(): string {
  if (cached === undefined) {
    const entry = createRequire(import.meta.url).resolve('vega');
    cached = readFileSync(path.join(path.dirname(entry), 'vega.min.js'), 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  }
  return cached;
}

/** JSON for a `<script type="application/json">` element: `<` escaped so no text inside can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

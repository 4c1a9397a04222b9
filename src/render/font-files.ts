/** Where the bundled DejaVu Sans fonts live (the dejavu-fonts-ttf package). */
import { createRequire } from 'node:module';
import path from 'node:path';

let cache: string[] | undefined;

/** Absolute paths of DejaVu Sans regular and bold. */
export function fontFiles(): string[] {
  if (!cache) {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    cache = [path.join(dir, 'DejaVuSans.ttf'), path.join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return cache;
}

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** losslens's own version, from package.json (works from src/ and dist/src/). */
export const VERSION: string = (() => {
  for (const p of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(p);
      if (pkg.name === 'losslens') return pkg.version as string;
    } catch {
      /* try the next */
    }
  }
  return '0.0.0';
})();

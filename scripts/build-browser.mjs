#!/usr/bin/env node
/**
 * `npm run build:browser`: the browser build of `losslens/fit` (src/fit/browser/index.ts) as one ESM file,
 * dist-browser/losslens-fit.js, with esbuild. @tensorflow/tfjs stays external (an `import` the page resolves,
 * e.g. with an import map): the callback must share the one tfjs instance that owns the user's model, its
 * backend and its gradient registry.
 *
 * The Node-only modules of the library are swapped for their browser counterparts (BROWSER_SWAPS), as a
 * package.json "browser" field would: no fs, path, os, worker_threads, native addon or resvg reaches the bundle,
 * and the build fails when an import of a Node built-in or a `require(` is left in the output.
 *
 *   --outfile=FILE   write there instead of dist-browser/losslens-fit.js
 *   --minify         minify
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Library module (from the repository root) → its browser counterpart, and why it is swapped. */
export const BROWSER_SWAPS = {
  'src/tf.cts': ['src/fit/browser/tf-esm.ts', 'tfjs through require() (Node ESM start-up); the browser imports the ESM package'],
  'src/engine/backend.ts': ['src/fit/browser/backend.ts', 'tfjs-node, the wasm files on disk and the native kernels; the browser keeps the page’s backend'],
  'src/kernels/native-addon.ts': ['src/fit/browser/native-addon.ts', 'the Node-API addon (node:module, node:fs, worker_threads): never loaded in a page'],
  'src/objective/create-objective.ts': ['src/fit/browser/create-objective.ts', 'worker-thread pools and node:os; the browser runs in process'],
  'src/fit/run-folder.ts': ['src/fit/browser/run-folder.ts', 'the run folder (node:fs) and PNG figures (resvg); the browser takes onMeasurement'],
  'src/fit/scoped-backends.ts': ['src/fit/browser/scoped-backends.ts', 'which backends the engine leaves free of its own kernels'],
};

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** esbuild plugin: the swaps above, and an error naming the importer for any Node built-in still reached. */
const browserSwaps = {
  name: 'losslens-browser-swaps',
  setup(build) {
    const swaps = new Map(Object.entries(BROWSER_SWAPS).map(([from, [to]]) => [path.join(root, from), path.join(root, to)]));
    build.onResolve({ filter: /.*/ }, (args) => {
      if (NODE_BUILTINS.has(args.path)) return { errors: [{ text: `${args.path} (Node-only) imported by ${path.relative(root, args.importer)}` }] };
      if (!args.path.startsWith('.')) return undefined;
      const base = path.resolve(args.resolveDir, args.path);
      const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.cjs$/, '.cts')];
      const hit = candidates.find((c) => swaps.has(c));
      return hit ? { path: swaps.get(hit) } : undefined;
    });
  },
};

/** Build the bundle; returns its path and size in bytes. */
export async function buildBrowserBundle({ outfile = path.join(root, 'dist-browser', 'losslens-fit.js'), minify = false } = {}) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'src/fit/browser/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile,
    minify,
    external: ['@tensorflow/tfjs'],
    plugins: [browserSwaps],
    inject: [path.join(root, 'src/fit/browser/node-globals.ts')],
    logLevel: 'silent',
    metafile: true,
  });
  const [out] = Object.entries(result.metafile.outputs);
  const text = await (await import('node:fs/promises')).readFile(outfile, 'utf8');
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const left = code.match(/\b(require\(|Buffer\.|__dirname|__filename|process\.(?!env\b))/);
  if (left) throw new Error(`${outfile}: ${left[1]} (Node-only) is left in the browser bundle`);
  return { outfile, bytes: out[1].bytes, inputs: Object.keys(result.metafile.inputs).length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const arg = (name) =>
    process.argv
      .slice(2)
      .find((a) => a.startsWith(`--${name}=`))
      ?.slice(name.length + 3);
  const outfile = arg('outfile');
  try {
    const r = await buildBrowserBundle({ ...(outfile ? { outfile: path.resolve(outfile) } : {}), minify: process.argv.includes('--minify') });
    console.log(`${path.relative(process.cwd(), r.outfile)}: ${(r.bytes / 1024).toFixed(0)} KiB, ${r.inputs} modules (@tensorflow/tfjs external)`);
  } catch (e) {
    console.error(`build:browser: ${e.message.split('\n')[0]}`);
    for (const err of e.errors ?? []) console.error(`  ${err.text}${err.location ? ` (${err.location.file}:${err.location.line})` : ''}`);
    process.exit(1);
  }
}

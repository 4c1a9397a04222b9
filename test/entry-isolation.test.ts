/**
 * What importing each built entry point loads: a fresh `node` imports `losslens[/entry]` (the
 * package's own exports map, resolved to dist/, which the global setup builds) with a module
 * resolve hook that records every package resolved, ESM and CommonJS alike; require.cache adds
 * what was loaded through require(). The analyses must load no renderer and no queue client:
 * `import { lanczos } from 'losslens/curvature'` must not pay for vega, resvg or BullMQ.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const HOOKS = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = r.url.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/);
  if (m) port.postMessage(m[1]);
  return r;
}`;

const PROBE = (hooks: string) => `import { register, createRequire } from 'node:module';
const { port1, port2 } = new MessageChannel();
register(${JSON.stringify(hooks)}, { data: { port: port2 }, transferList: [port2] });
const seen = new Set();
port1.on('message', (m) => seen.add(m));
port1.unref();
await import(process.argv[2]);
await new Promise((r) => setTimeout(r, 50));
for (const k of Object.keys(createRequire(import.meta.url).cache)) {
  const m = k.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/);
  if (m) seen.add(m[1]);
}
console.log(JSON.stringify([...seen].sort()));`;

let dir: string;
let probe: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-entries-'));
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  probe = path.join(dir, 'probe.mjs');
  writeFileSync(probe, PROBE(pathToFileURL(path.join(dir, 'hooks.mjs')).href));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXPORTS: Record<string, { import: string }> = JSON.parse(readFileSync('package.json', 'utf8')).exports;

/** The packages a fresh node loads for `import 'losslens/<entry>'`, the file taken from package.json's exports map. */
function packagesLoadedBy(specifier: string): string[] {
  const file = path.resolve(EXPORTS[specifier.replace(/^losslens/, '.')].import);
  const r = spawnSync(process.execPath, [probe, pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`importing ${specifier} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const RENDERER = /^(vega|vega-.*|@resvg\/.*|pngjs)$/;
const QUEUE = /^(bullmq|ioredis|@ioredis\/.*|msgpackr.*)$/;

describe('entry points load only what they use', () => {
  it.each(['losslens', 'losslens/curvature', 'losslens/landscape', 'losslens/gradients', 'losslens/train', 'losslens/studies', 'losslens/io'])(
    '%s loads no renderer and no queue client',
    (entry) => {
      const loaded = packagesLoadedBy(entry);
      expect(loaded.filter((p) => RENDERER.test(p) || QUEUE.test(p))).toEqual([]);
      if (entry === 'losslens') expect(loaded).toContain('@tensorflow/tfjs-core'); // the probe sees packages at all
    },
  );

  it('losslens/curvature loads no tfjs either: it is pure float64 over a matvec', () => {
    expect(packagesLoadedBy('losslens/curvature').filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
  });

  it('the renderer comes with losslens/figures and losslens/pipelines, the queue client with losslens/queue only', () => {
    for (const entry of ['losslens/figures', 'losslens/pipelines']) {
      const loaded = packagesLoadedBy(entry);
      expect(loaded, entry).toEqual(expect.arrayContaining(['vega', '@resvg/resvg-js']));
      expect(
        loaded.filter((p) => QUEUE.test(p)),
        entry,
      ).toEqual([]);
    }
    expect(packagesLoadedBy('losslens/queue')).toEqual(expect.arrayContaining(['bullmq', 'ioredis']));
  });
});

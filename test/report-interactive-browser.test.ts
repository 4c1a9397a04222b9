/**
 * The interactive pages in a real headless Chromium driven over the DevTools protocol (test/helpers/cdp-pipe.ts):
 * a figures page as writeReport writes it for every command (live Vega views, hover tooltip with the datum's value,
 * wheel zoom, the rotatable surface, the PNG fallback with scripts off, no request off the machine), and the
 * `watch` page served on loopback picking up a line appended to measurements.jsonl. One browser for the file;
 * skipped with the reason when no Chromium is installed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cdp, findChromium, type CdpPage } from './helpers/cdp-pipe.js';
import { heatmapSpec, lineChartSpec } from '../src/render/index.js';
import { renderFigure } from '../src/render/figure.js';
import { writeReport } from '../src/report/write-report.js';
import { prepareOutputDir } from '../src/io/output-dir.js';
import { startWatchServer, type WatchServer } from '../src/watch/server.js';

const browser = findChromium();
let cdp: Cdp | undefined;
let tmp: string;
let server: WatchServer | undefined;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-interactive-browser-'));
  if (browser) cdp = await Cdp.launch(browser);
  else console.warn('interactive page tests skipped: no chromium (set LOSSLENS_CHROMIUM or install chromium)');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await cdp?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A folder as a command writes it: two figures (a zoomable line chart, a 2-D slice heatmap) and index.html. */
async function figuresFolder(): Promise<string> {
  const line = lineChartSpec({
    title: 'loss',
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: 'a', x: [0, 1, 2], y: [3, 2.5, 1] },
      { name: 'b', x: [0, 1, 2], y: [1, 1.5, 3] },
    ],
  });
  const x = [-1, -0.5, 0, 0.5, 1];
  const z = x.map((b) => x.map((a) => 0.1 + a * a + 2 * b * b));
  const heat = heatmapSpec({ title: 'slice', xLabel: 'α', yLabel: 'β', x, y: x, z, colorScale: 'log' });
  const dir = path.join(tmp, 'figs');
  const out = await prepareOutputDir(dir, { force: false });
  await writeReport(out, {
    summary: { meta: { command: 'slice' } },
    figures: [await renderFigure('loss', line, 0.5), await renderFigure('slice-2d', heat, 0.5)],
  });
  await out.commit();
  return dir;
}

const offMachine = (urls: string[], allowed: (u: string) => boolean) => urls.filter((u) => !allowed(u));
const local = (u: string) => /^(file|data|blob|about):/.test(u);

describe('interactive figures page in headless Chromium', () => {
  let page: CdpPage;
  let dir: string;

  it('every figure is a live view with ink on its canvas; nothing is fetched from off the machine', async (ctx) => {
    if (!cdp) return ctx.skip();
    dir = await figuresFolder();
    page = await cdp.newPage();
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    expect(await page.waitFor(`document.body.getAttribute('data-figures-live')`)).toBe('2/2');
    const inked = await page.eval<number[]>(`Object.values(losslens.views).map(function (v) {
      var c = v.container().querySelector('canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
      for (var i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
      return n; })`);
    for (const n of inked) expect(n).toBeGreaterThan(2000);
    expect(await page.eval(`losslens.errors.length`)).toBe(0);
    expect(offMachine(page.requests, local)).toEqual([]);
    // the recorder sees a request when there is one (negative control)
    await page.eval(`new Promise(function (r) { var i = new Image(); i.onerror = i.onload = r; i.src = 'http://192.0.2.1:9/x.png'; setTimeout(r, 500); })`);
    expect(offMachine(page.requests, local)).toEqual(['http://192.0.2.1:9/x.png']);
  }, 60_000);

  it('hovering a vertex shows its values; the wheel zooms the x domain in around the pointer', async (ctx) => {
    if (!cdp) return ctx.skip();
    const at = await page.eval<{ x: number; y: number }>(`(function () {
      var v = losslens.views['loss'], d = v.data('series0')[1]; v.container().scrollIntoView();
      var b = v.container().getBoundingClientRect(), o = v.origin(), p = v.padding();
      return { x: b.left + o[0] + p.left + v.scale('x')(d.x), y: b.top + o[1] + p.top + v.scale('y')(d.y) }; })()`);
    await page.mouse('mouseMoved', at.x, at.y);
    const tip = await page.waitFor<string>(
      `document.getElementById('ll-tooltip').style.display === 'block' && document.getElementById('ll-tooltip').textContent`,
    );
    expect(tip.split('\n')).toEqual(expect.arrayContaining(['x: 1', 'y: 2.5']));
    await page.mouse('mouseMoved', at.x, at.y + 120); // off the points: the tooltip goes
    await page.waitFor(`document.getElementById('ll-tooltip').style.display === 'none'`);
    const before = await page.eval<number[]>(`losslens.views['loss'].scale('x').domain()`);
    await page.wheel(at.x, at.y, -400);
    const after = await page.waitFor<number[]>(`(function (d) { return d[1] - d[0] < 1.9 && d; })(losslens.views['loss'].scale('x').domain())`);
    expect(after[1] - after[0]).toBeCloseTo((before[1] - before[0]) * Math.exp(-400 * 0.0015), 6); // the page's zoom factor
    expect(after[0]).toBeLessThan(1); // the pointer's x = 1 stays inside
    expect(after[1]).toBeGreaterThan(1);
  }, 60_000);

  it("dragging the surface rotates it: the view angle and the pixels change; from above a quad has the heatmap's colour", async (ctx) => {
    if (!cdp) return ctx.skip();
    const c = await page.eval<{ x: number; y: number; yaw: number; img: string }>(`(function () {
      var c = document.querySelector('canvas.ll-surface'); c.scrollIntoView(); var b = c.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2, yaw: +c.getAttribute('data-yaw'), img: c.toDataURL() }; })()`);
    await page.mouse('mousePressed', c.x, c.y);
    await page.mouse('mouseMoved', c.x + 100, c.y + 20);
    await page.mouse('mouseReleased', c.x + 100, c.y + 20);
    const r = await page.eval<{ yaw: number; img: string }>(`(function () { var c = document.querySelector('canvas.ll-surface');
      return { yaw: +c.getAttribute('data-yaw'), img: c.toDataURL() }; })()`);
    expect(r.yaw - c.yaw).toBeCloseTo(1, 2); // 0.01 rad per pixel dragged
    expect(r.img).not.toBe(c.img);
    // seen from above (yaw 0), a quad's fill is the heatmap's colormap at its mean log-scaled height
    await page.eval(`(function (s) { s.yaw = 0; s.pitch = 1.55; })(losslens.surfaces['surface-slice-2d'])`);
    await page.mouse('mousePressed', c.x, c.y);
    await page.mouse('mouseMoved', c.x, c.y);
    await page.mouse('mouseReleased', c.x, c.y);
    const px = await page.eval<{ got: number[]; want: string }>(`(function () {
      var cv = document.querySelector('canvas.ll-surface'), g = JSON.parse(document.getElementById('grid-slice-2d').textContent);
      var lo = Math.log(g.color.domain[0]), hi = Math.log(g.color.domain[1]), t = function (v) { return (Math.log(v) - lo) / (hi - lo); };
      var i = 1, j = 1, h = (t(g.z[j * g.nx + i]) + t(g.z[j * g.nx + i + 1]) + t(g.z[(j + 1) * g.nx + i]) + t(g.z[(j + 1) * g.nx + i + 1])) / 4;
      var u = -0.25, w = -0.25, z = (h - 0.5) * 1.1, k = Math.min(cv.width, cv.height) * 0.42, p = 1.55;
      var x = cv.width / 2 + u * k, y = cv.height / 2 - (z * Math.cos(p) + w * Math.sin(p)) * k;
      return { got: [].slice.call(cv.getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data, 0, 3), want: vega.scheme('viridis')(h) }; })()`);
    const want =
      /^#(..)(..)(..)$/
        .exec(px.want)
        ?.slice(1)
        .map((hex) => parseInt(hex, 16)) ?? px.want.match(/\d+/g)!.map(Number);
    px.got.forEach((v, n) => expect(Math.abs(v - want[n]), `${px.got} vs ${px.want}`).toBeLessThanOrEqual(2));
  }, 60_000);

  it('with scripts off the PNGs show', async (ctx) => {
    if (!cdp) return ctx.skip();
    const p = await cdp.newPage();
    await p.send('Emulation.setScriptExecutionDisabled', { value: true });
    await p.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    const shown = await p.eval<number[]>(
      `Array.prototype.map.call(document.querySelectorAll('img.ll-png'), function (i) { return i.complete && i.offsetHeight > 0 ? i.naturalWidth : 0; })`,
    );
    expect(shown).toEqual([400, 400]); // both PNGs, decoded, at scale 0.5
  }, 60_000);
});

describe('watch page in headless Chromium', () => {
  it('draws the log and picks up an appended line within seconds; requests stay on the loopback server', async (ctx) => {
    if (!cdp) return ctx.skip();
    const run = path.join(tmp, 'run');
    await fs.mkdir(run);
    const rec = (step: number) =>
      JSON.stringify({
        step,
        epoch: 0,
        timeMs: step,
        loss: 1 / (1 + step),
        lambdaMax: { value: 2 + step, residual: 0, matvecs: 5 },
        twoOverEta: 20,
        trace: null,
        gradNorms: null,
        attenuation: null,
        noise: null,
        costMs: 1,
      });
    const partial = rec(3);
    await fs.writeFile(path.join(run, 'measurements.jsonl'), `${rec(0)}\n${rec(1)}\n${rec(2)}\n${partial.slice(0, 20)}`);
    server = await startWatchServer({ dir: run, port: 0, pollMs: 200 });
    const page = await cdp.newPage();
    await page.goto(server.url);
    expect(await page.waitFor(`document.body.getAttribute('data-measurements') === '3' && 3`)).toBe(3);
    expect(await page.eval(`losslens.views['w-sharpness'].data('points').length`)).toBe(6); // λmax and 2/η per line
    await fs.appendFile(path.join(run, 'measurements.jsonl'), `${partial.slice(20)}\n${rec(4)}\n`);
    const t0 = Date.now();
    await page.waitFor(`document.body.getAttribute('data-measurements') === '5'`, 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await page.eval(`losslens.views['w-loss'].data('points').map(function (p) { return p.step; })`)).toEqual([0, 1, 2, 3, 4]);
    expect(offMachine(page.requests, (u) => u.startsWith(server!.url) || local(u))).toEqual([]);
  }, 60_000);
});

/**
 * The interactive page's building blocks without a browser: the spec transform (tooltips, hover points, zoom
 * signals; the static spec untouched), the 2-D grid read back from a heatmap spec (exact round trip of z, rows and
 * log colour undone), the page (Vega inlined once, nothing to fetch, no way out of a <script>), and writeReport's
 * index.html. test/report-interactive-browser.test.ts drives the same pages in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heatmapSpec, lineChartSpec, scatterSpec } from '../src/render/index.js';
import { interactiveSpec, ZOOM_SIGNALS } from '../src/report/interactive-spec.js';
import { surfaceGrid } from '../src/report/surface-grid.js';
import { figuresPage } from '../src/report/interactive-page.js';
import { vegaRuntime } from '../src/report/interactive-assets.js';
import { writeReport } from '../src/report/write-report.js';
import { prepareOutputDir } from '../src/io/output-dir.js';
import { openStudyFolder } from '../src/studies/study-folder.js';

const line = () =>
  lineChartSpec({
    title: 'loss',
    xLabel: 'step',
    yLabel: 'loss',
    yScale: 'log',
    series: [
      { name: 'a', x: [0, 1, 2], y: [3, 2, 1] },
      { name: 'b', x: [0, 1, 2], y: [1, 2, 3] },
    ],
  });
// z[j][i] at (x[i], y[j]): every value distinct, so a swapped axis or row order changes the result
const Z = [
  [1, 2, 3],
  [4, 5, 6.5],
  [7, 8, 9],
  [10, 11, 12.25],
];
const heat = (log: boolean) =>
  heatmapSpec({ title: 'grid', xLabel: 'α', yLabel: 'β', x: [-1, 0, 1], y: [-1, -0.5, 0.5, 1], z: Z, colorScale: log ? 'log' : 'linear' });

describe('interactiveSpec', () => {
  it('line chart: zoom signals drive both continuous scales, each line gets hover points on its data, the input is untouched', () => {
    const spec = line();
    const before = JSON.stringify(spec);
    const { spec: live, info } = interactiveSpec(spec) as { spec: any; info: any };
    expect(JSON.stringify(spec)).toBe(before);
    expect(info).toMatchObject({ zoomX: true, zoomY: true });
    expect(live.signals.map((s: any) => s.name)).toEqual(expect.arrayContaining([ZOOM_SIGNALS.x, ZOOM_SIGNALS.y]));
    const scale = (n: string) => live.scales.find((s: any) => s.name === n);
    expect(scale('x').domainRaw).toEqual({ signal: ZOOM_SIGNALS.x });
    expect(scale('y').domainRaw).toEqual({ signal: ZOOM_SIGNALS.y });
    const flat = (ms: any[]): any[] => ms.flatMap((m) => (m.type === 'group' ? flat(m.marks ?? []) : [m]));
    const lines = flat(live.marks).filter((m) => m.type === 'line');
    const hovers = flat(live.marks).filter((m) => m.type === 'symbol' && m.encode?.update?.fillOpacity?.value === 0);
    expect(hovers.map((h) => h.from.data).sort()).toEqual(lines.map((l) => l.from.data).sort());
    for (const h of hovers) expect(h.encode.update.tooltip).toEqual({ signal: 'datum' });
    expect(info.tooltips).toBeGreaterThanOrEqual(hovers.length); // plus rules and symbols drawn from data
  });

  it('heatmap: no zoom (the raster cannot follow a domain), its data marks still get tooltips', () => {
    const { spec: live, info } = interactiveSpec(heat(true)) as { spec: any; info: any };
    expect(info.zoomX).toBe(false);
    expect(live.signals ?? []).toEqual([]);
    expect(live.scales.some((s: any) => s.domainRaw)).toBe(false);
  });

  it('scatter: symbols carry the datum as tooltip', () => {
    const s = scatterSpec({ title: 't', xLabel: 'x', yLabel: 'y', points: [{ x: 1, y: 2, group: 'g' }] } as any);
    const { info } = interactiveSpec(s);
    expect(info.tooltips).toBeGreaterThanOrEqual(1);
    expect(info.zoomX).toBe(true);
  });
});

describe('surfaceGrid', () => {
  it.each([false, true])('heatmap spec (log colour %s) → z[j·nx+i] = Z[j][i] exactly, domains and scheme kept', (log) => {
    const g = surfaceGrid(heat(log))!;
    expect([g.nx, g.ny, g.x, g.y]).toEqual([3, 4, [-1, 1], [-1, 1]]);
    const want = Z.flat();
    g.z.forEach((v, k) => expect(v).toBeCloseTo(want[k], 12)); // 10^log10(v) round trip: ≤ 1e-14 relative
    expect(g.color).toEqual({ log, domain: [1, 12.25], scheme: 'viridis' });
  });

  it('a spec without a grid is not a surface', () => {
    expect(surfaceGrid(line())).toBeUndefined();
    expect(surfaceGrid({ data: [{ name: 'grid', values: [{ width: 2, height: 2, values: [1, 2, 3] }] }] })).toBeUndefined();
  });
});

describe('figuresPage', () => {
  it('inlines Vega once for all figures, fetches nothing, and a spec cannot close its <script>', () => {
    const evil = { ...(line() as object), title: '</script><script>window.pwned=1</script>' };
    const figs = [
      { name: 'a', src: 'a.png', caption: 'A', width: 800, height: 600, spec: evil },
      { name: 'b', src: 'b.png', caption: 'B', width: 800, height: 600, spec: heat(true) },
      { name: 'c', src: 'c.png', caption: 'C', width: 800, height: 600 },
    ];
    const html = figuresPage('t', 'sub', figs);
    const rt = vegaRuntime();
    expect(rt.length).toBeGreaterThan(100_000);
    expect(html.split(rt).length - 1).toBe(1);
    expect(html).not.toContain('<script>window.pwned');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html.match(/<canvas class="ll-surface"/g)).toHaveLength(1); // the heatmap only
    expect(html.match(/data-figure=/g)).toHaveLength(2); // c has no spec: PNG only
    expect(figuresPage('t', 's', [figs[2]])).not.toContain(rt.slice(0, 200));
  });
});

describe('writeReport index.html', () => {
  it('written beside the figures when there are figures, never over a page the command wrote itself', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-interactive-'));
    const fig = { name: 'loss', png: new Uint8Array([137, 80, 78, 71]), spec: line() };
    const write = async (name: string, content: Parameters<typeof writeReport>[1]) => {
      const out = await prepareOutputDir(path.join(tmp, name), { force: false });
      const files = await writeReport(out, content);
      await out.commit();
      return files;
    };
    expect(await write('figs', { summary: { meta: { command: 'slice' } }, figures: [fig] })).toContain('index.html');
    const page = await fs.readFile(path.join(tmp, 'figs', 'index.html'), 'utf8');
    expect(page).toContain('<title>losslens slice</title>');
    expect(page).toContain('<img src="loss.png"');
    expect(await write('none', { summary: {} })).not.toContain('index.html');
    await write('own', { summary: {}, figures: [fig], files: [{ name: 'index.html', data: 'mine' }] });
    expect(await fs.readFile(path.join(tmp, 'own', 'index.html'), 'utf8')).toBe('mine');
    // a study folder's outputs get the same page
    const study = await openStudyFolder(path.join(tmp, 'study'), { command: 'seeds', config: { a: 1 } });
    expect(await study.writeOutputs({ meta: { command: 'seeds' } }, [fig])).toContain('index.html');
    expect(await fs.readFile(path.join(tmp, 'study', 'index.html'), 'utf8')).toContain('<title>losslens seeds</title>');
    await fs.rm(tmp, { recursive: true, force: true });
  });
});

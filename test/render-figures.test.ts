import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import {
  renderSpec,
  heatmapSpec,
  lineChartSpec,
  densitySpec,
  spectrumSpec,
  barChartSpec,
  scatterSpec,
  stripSpec,
  colorAt,
  frame,
} from '../src/render/index.js';

const decode = (png: Buffer) => PNG.sync.read(png);
const pixel = (img: PNG, x: number, y: number) => {
  const o = 4 * (Math.round(y) * img.width + Math.round(x));
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
};
const luminance = ([r, g, b]: number[]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** Dark pixels in the title band (y < top margin), i.e. text was drawn. */
function darkPixelsInTitle(img: PNG): number {
  let n = 0;
  for (let y = 5; y < 50; y++) for (let x = 150; x < 650; x++) if (luminance(pixel(img, x, y)) < 100) n++;
  return n;
}

const grid = linspace(-1, 1, 41);
const bowl = (f: (r2: number) => number) => grid.map((y) => grid.map((x) => f(x * x + y * y)));
const line = lineChartSpec({
  title: 'Two series',
  xLabel: 'α',
  yLabel: 'loss',
  series: [
    { name: 'train', x: [0, 1, 2], y: [1, 0.5, 0.8] },
    { name: 'test', x: [0, 1, 2], y: [1.2, 0.7, 1], dashed: true },
  ],
});

describe('renderSpec', () => {
  it('renders exactly 800×600 at scale 1 and 1600×1200 at scale 2', async () => {
    const one = await renderSpec(line);
    const two = await renderSpec(line, { scale: 2 });
    expect([one.width, one.height]).toEqual([800, 600]);
    expect([two.width, two.height]).toEqual([1600, 1200]);
    const img = decode(two.png);
    expect([img.width, img.height]).toEqual([1600, 1200]);
    expect([decode(one.png).width, decode(one.png).height]).toEqual([800, 600]);
  });

  it('draws the title with a real font (dark pixels in the title band, string in the SVG)', async () => {
    const fig = await renderSpec(line);
    expect(fig.svg).toContain('Two series');
    expect(darkPixelsInTitle(decode(fig.png))).toBeGreaterThan(100);
  });

  it('refuses to load anything remote', async () => {
    const spec = { ...line, data: [...(line as { data: object[] }).data, { name: 'remote', url: 'https://example.com/x.json' }] } as never;
    await expect(renderSpec(spec)).rejects.toThrow(/offline|refusing/);
  });
});

describe('heatmap', () => {
  const layout = frame({ right: 128 });
  const plot = { left: layout.padding.left, top: layout.padding.top, width: layout.width, height: layout.height };
  const at = (x: number, y: number) => [plot.left + ((x + 1) / 2) * plot.width, plot.top + ((1 - y) / 2) * plot.height];

  it('puts the bowl minimum (darkest) at the centre and the brightest at the corners', async () => {
    const spec = heatmapSpec({ title: 'Bowl', xLabel: 'x', yLabel: 'y', x: grid, y: grid, z: bowl((r2) => r2), contours: 0 });
    const img = decode((await renderSpec(spec)).png);
    let darkest = { l: Infinity, x: 0, y: 0 };
    for (let y = plot.top + 3; y < plot.top + plot.height - 3; y += 2)
      for (let x = plot.left + 3; x < plot.left + plot.width - 3; x += 2) {
        const l = luminance(pixel(img, x, y));
        if (l < darkest.l) darkest = { l, x, y };
      }
    const [cx, cy] = at(0, 0);
    expect(Math.abs(darkest.x - cx)).toBeLessThan(0.05 * plot.width);
    expect(Math.abs(darkest.y - cy)).toBeLessThan(0.05 * plot.height);
    expect(dist(pixel(img, cx, cy), colorAt(0))).toBeLessThan(20);
    for (const [x, y] of [
      [-0.98, -0.98],
      [0.98, 0.98],
      [-0.98, 0.98],
      [0.98, -0.98],
    ]) {
      const [px, py] = at(x, y);
      expect(dist(pixel(img, px, py), colorAt(1))).toBeLessThan(30);
    }
  });

  it('draws a colorbar that runs from yellow (top) to dark purple (bottom)', async () => {
    const spec = heatmapSpec({ title: 'Bowl', xLabel: 'x', yLabel: 'y', x: grid, y: grid, z: bowl((r2) => r2) });
    const img = decode((await renderSpec(spec)).png);
    const x = plot.left + plot.width + 18 + 8;
    const column: number[][] = [];
    for (let y = plot.top; y < plot.top + plot.height; y++) {
      const p = pixel(img, x, y);
      if (Math.max(...p) - Math.min(...p) > 40) column.push(p);
    }
    expect(column.length).toBeGreaterThan(0.8 * plot.height);
    expect(dist(column[0], colorAt(1))).toBeLessThan(30);
    expect(dist(column[column.length - 1], colorAt(0))).toBeLessThan(30);
    expect(luminance(column[0])).toBeGreaterThan(luminance(column[Math.floor(column.length / 2)]));
  });

  it('uses a log colour scale when asked (mid-decade value gets mid colour)', async () => {
    const z = bowl((r2) => 10 ** (2 * r2)); // 1 at the centre, 100 where r² = 1, 1e4 at the corners
    const input = { title: 'Log', xLabel: 'x', yLabel: 'y', x: grid, y: grid, z, contours: 0 };
    const [px, py] = at(Math.SQRT1_2, Math.SQRT1_2);
    const logSpec = heatmapSpec({ ...input, colorScale: 'log' });
    expect((logSpec as { scales: { name: string; type: string }[] }).scales.find((s) => s.name === 'color')?.type).toBe('log');
    const logImg = decode((await renderSpec(logSpec)).png);
    expect(dist(pixel(logImg, px, py), colorAt(0.5))).toBeLessThan(30);
    const linImg = decode((await renderSpec(heatmapSpec({ ...input, colorScale: 'linear' }))).png);
    expect(dist(pixel(linImg, px, py), colorAt(0.01))).toBeLessThan(30);
  });

  it('draws labelled contour lines and the checkpoint marker', async () => {
    const spec = heatmapSpec({
      title: 'Bowl',
      xLabel: 'x',
      yLabel: 'y',
      x: grid,
      y: grid,
      z: bowl((r2) => r2),
      contours: 6,
      marker: { x: 0, y: 0, label: 'θ*' },
    });
    const data = (spec as { data: { name: string; values?: unknown[] }[] }).data;
    expect(data.find((d) => d.name === 'labels')?.values?.length).toBeGreaterThanOrEqual(4);
    const fig = await renderSpec(spec);
    expect(fig.svg).toContain('θ*');
    expect(fig.svg).toContain('0.286'); // first of 6 levels in (0, 2): 2/7
  });
});

describe('charts', () => {
  it('gives a line chart with two series a legend', async () => {
    expect((line as { legends: unknown[] }).legends).toHaveLength(1);
    const fig = await renderSpec(line);
    expect(fig.svg).toContain('role-legend');
    expect(fig.svg).toContain('>test<');
  });

  it('renders a density plot on a log axis with its rules', async () => {
    const x = linspace(-2, 10, 200);
    const spec = densitySpec({
      title: 'Spectral density',
      grid: { x, density: x.map((v) => Math.exp(-v * v)) },
      marks: [
        { x: -2, label: 'λmin' },
        { x: 0, label: '0' },
        { x: 10, label: 'λmax' },
      ],
    });
    expect((spec as { scales: { name: string; type: string }[] }).scales.find((s) => s.name === 'y')?.type).toBe('log');
    const fig = await renderSpec(spec);
    expect(fig.svg).toContain('λmax');
    expect(fig.svg).toMatch(/>1e-\d</); // compact labels at small decades
    expect(darkPixelsInTitle(decode(fig.png))).toBeGreaterThan(100);
  });

  it('renders spectrum, bars, scatter and strip figures at 800×600', async () => {
    const specs = [
      spectrumSpec({ title: 'Ritz values', top: [{ index: 1, value: 50, lo: 45, hi: 55 }], bottom: [{ index: 1, value: -2, lo: -2.5, hi: -1.5 }] }),
      barChartSpec({ title: 'Per layer', xLabel: 'layer', yLabel: 'λmax', categories: ['a', 'b'], groups: [{ name: 'g', values: [1, 2] }], yScale: 'log' }),
      scatterSpec({
        title: 'Sharpness',
        xLabel: 'λmax',
        yLabel: 'test loss',
        points: [
          { x: 1, y: 2, label: 'run 1' },
          { x: 2, y: 3 },
        ],
      }),
      stripSpec({ title: 'Over seeds', xLabel: 'optimizer', yLabel: 'λmax', categories: [{ name: 'SGD', values: [1, 2, 3] }] }),
    ];
    for (const spec of specs) {
      const fig = await renderSpec(spec);
      expect([fig.width, fig.height]).toEqual([800, 600]);
      expect(darkPixelsInTitle(decode(fig.png))).toBeGreaterThan(50);
      expect(() => JSON.parse(JSON.stringify(spec))).not.toThrow();
    }
  });
});

describe('surface', () => {
  it('renders a shaded bowl at 800×600 with its title', async () => {
    const { surfaceSpec } = await import('../src/render/index.js');
    const fig = await renderSpec(surfaceSpec({ title: 'Bowl surface', x: grid, y: grid, z: bowl((r2) => r2) }));
    expect([fig.width, fig.height]).toEqual([800, 600]);
    expect(fig.svg).toContain('Bowl surface');
    expect(darkPixelsInTitle(decode(fig.png))).toBeGreaterThan(50);
  });
});

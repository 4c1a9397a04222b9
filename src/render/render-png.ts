/**
 * Vega spec → SVG (headless Vega view) → PNG (resvg with the bundled DejaVu fonts).
 * Pure apart from reading the font files; never touches the network.
 */
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY } from './theme.js';
import { fontFiles } from './font-files.js';
import { installTextMetrics } from './text-metrics.js';

export { fontFiles };

/** How {@link renderSpec} draws. */
export interface RenderOptions {
  /** Pixel density: 1 gives 800×600, 2 gives 1600×1200 (the CLI's --scale). */
  scale?: number;
}

/** A Vega spec drawn: the PNG and SVG, and the pixel size. */
export interface RenderedFigure {
  png: Buffer;
  svg: string;
  width: number;
  height: number;
}

/** A Vega loader that only accepts inline `data:` URIs: figures never fetch anything. */
function offlineLoader(): vega.Loader {
  const base = vega.loader();
  const refuse = (uri: string) => new Error(`losslens figures are offline; refusing to load ${uri}`);
  return {
    ...base,
    sanitize: async (uri: string) => {
      if (!uri.startsWith('data:')) throw refuse(uri);
      return { href: uri };
    },
    load: async (uri: string) => {
      throw refuse(uri);
    },
    http: async (uri: string) => {
      throw refuse(uri);
    },
    file: async (uri: string) => {
      throw refuse(uri);
    },
  } as vega.Loader;
}

/**
 * Render a Vega spec to SVG and PNG bytes.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { lineChartSpec, renderSpec } from 'losslens/figures';
 *
 * const spec = lineChartSpec({ title: 'y = x²', xLabel: 'x', yLabel: 'y', series: [{ name: 'x²', x: [0, 1, 2], y: [0, 1, 4] }] });
 * const { png, svg, width, height } = await renderSpec(spec);
 * assert.deepEqual([width, height], [800, 600]);
 * assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [800, 600]); // the PNG header's own width and height
 * assert.match(svg, /^<svg/);
 * ```
 */
export async function renderSpec(spec: vega.Spec, opts: RenderOptions = {}): Promise<RenderedFigure> {
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  installTextMetrics();
  // Vega logs dataflow errors (e.g. a refused load) instead of rejecting: collect and rethrow.
  const errors: unknown[] = [];
  const logger = vega.logger(vega.Warn);
  logger.error = (...args: readonly unknown[]) => (errors.push(args[0]), logger);
  const warn = logger.warn.bind(logger);
  logger.warn = (...args: readonly unknown[]) => {
    const text = String(args[0]);
    if (text.startsWith('Loading failed')) errors.push(args.find((a) => a instanceof Error) ?? args.join(' '));
    // an empty optional series (e.g. no validation split) leaves its scale without a domain: harmless, not news
    else if (!text.startsWith('Infinite extent')) warn(...args);
    return logger;
  };
  const view = new vega.View(vega.parse(spec), { renderer: 'none', loader: offlineLoader(), logger });
  try {
    const svg = await view.toSVG();
    if (errors.length) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
    const resvg = new Resvg(svg, {
      font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: FONT_FAMILY },
      background: 'white',
      fitTo: { mode: 'zoom', value: scale },
      imageRendering: 0,
      shapeRendering: 2,
      textRendering: 1,
    });
    const image = resvg.render();
    return { png: image.asPng(), svg, width: image.width, height: image.height };
  } finally {
    view.finalize();
  }
}

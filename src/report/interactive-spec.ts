/**
 * A figure's Vega spec made interactive for the HTML page (never for the PNG): every mark drawn from data gets a
 * tooltip with its datum, line marks get invisible hover points on their vertices, and plots whose x scale is
 * continuous get zoom/pan signals (`ll_xdom`, `ll_ydom`) that override the scale domains when set. The input spec
 * is not modified: the PNG and `.vg.json` keep the static spec.
 */

type Json = Record<string, any>;

/** Scale types whose domain a drag or wheel can shift and stretch. */
const CONTINUOUS = new Set(['linear', 'log', 'pow', 'sqrt', 'symlog', 'time', 'utc']);

/** The signal names the page script sets to zoom and pan; null restores the spec's own domain. */
export const ZOOM_SIGNALS = { x: 'll_xdom', y: 'll_ydom' } as const;

/** What {@link interactiveSpec} did to a spec: which axes zoom, and how many marks got tooltips. */
export interface InteractiveInfo {
  zoomX: boolean;
  zoomY: boolean;
  tooltips: number;
}

function hasImage(marks: Json[]): boolean {
  return marks.some((m) => m.type === 'image' || (m.type === 'group' && hasImage(m.marks ?? [])));
}

function channel(enc: Json | undefined, name: string): unknown {
  return enc?.update?.[name] ?? enc?.enter?.[name];
}

/** Invisible symbols on a line's vertices: the line's own x/y encodings, large enough to hover, with the datum as tooltip. */
function hoverPoints(line: Json): Json | undefined {
  const x = channel(line.encode, 'x');
  const y = channel(line.encode, 'y');
  if (!x || !y || !line.from?.data) return undefined;
  return {
    type: 'symbol',
    from: { data: line.from.data },
    encode: { update: { x, y, size: { value: 90 }, fill: { value: '#000' }, fillOpacity: { value: 0 }, tooltip: { signal: 'datum' } } },
  };
}

const TIPPED = new Set(['symbol', 'rect', 'rule']);

function addTooltips(marks: Json[], info: InteractiveInfo): Json[] {
  const out: Json[] = [];
  for (const m of marks) {
    if (m.type === 'group') {
      out.push({ ...m, marks: addTooltips(m.marks ?? [], info) });
      continue;
    }
    out.push(m);
    if (m.type === 'line') {
      const pts = hoverPoints(m);
      if (pts) {
        out.push(pts);
        info.tooltips++;
      }
    } else if (TIPPED.has(m.type) && m.from?.data && !channel(m.encode, 'tooltip')) {
      out[out.length - 1] = { ...m, encode: { ...m.encode, update: { ...m.encode?.update, tooltip: { signal: 'datum' } } } };
      info.tooltips++;
    }
  }
  return out;
}

function zoomable(spec: Json, name: 'x' | 'y'): boolean {
  const s = (spec.scales ?? []).find((sc: Json) => sc.name === name);
  return !!s && CONTINUOUS.has(s.type ?? 'linear') && !hasImage(spec.marks ?? []);
}

/**
 * The interactive form of a static Vega spec (a deep copy; `spec` is untouched).
 */
export function interactiveSpec(spec: unknown): { spec: unknown; info: InteractiveInfo } {
  const s = JSON.parse(JSON.stringify(spec)) as Json;
  const info: InteractiveInfo = { zoomX: zoomable(s, 'x'), zoomY: false, tooltips: 0 };
  info.zoomY = info.zoomX && zoomable(s, 'y');
  s.marks = addTooltips(s.marks ?? [], info);
  const zoomed = (['x', 'y'] as const).filter((a) => (a === 'x' ? info.zoomX : info.zoomY));
  if (zoomed.length === 0) return { spec: s, info };
  s.signals = [...(s.signals ?? []), ...zoomed.map((a) => ({ name: ZOOM_SIGNALS[a], value: null }))];
  s.scales = s.scales.map((sc: Json) => (zoomed.includes(sc.name) ? { ...sc, domainRaw: { signal: ZOOM_SIGNALS[sc.name as 'x' | 'y'] } } : sc));
  // zoomed marks must stay inside the plot area: clip every top-level mark (groups of the specs already clip)
  s.marks = s.marks.map((m: Json) => (m.type === 'group' || m.type === 'text' ? m : { ...m, clip: true }));
  return { spec: s, info };
}

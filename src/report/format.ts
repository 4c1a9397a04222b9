/** Number formats for report prose: short, with exponents written the way people write them (3.6e4). */

/** `digits` significant digits; exponent form ("3.6e4", "1.1e-11") outside [1e-2, 1e4). */
export function sig(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s =
    a >= 1e-2 && a < 1e4
      ? String(Number(x.toPrecision(digits)))
      : x
          .toExponential(digits - 1)
          .replace('e+', 'e')
          .replace(/\.0+e/, 'e');
  return s.replace(/^-/, '−');
}

/** A fraction as a percentage with two significant digits: 0.0269 → "2.7%". */
export function pct(f: number): string {
  if (!Number.isFinite(f)) return '—';
  if (f === 0) return '0%';
  const p = f * 100;
  return `${Math.abs(p) >= 10 ? p.toFixed(0) : Number(p.toPrecision(2))}%`;
}

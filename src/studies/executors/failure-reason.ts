/**
 * The failure reason a worker stores in Redis for a run: one line, bounded, and without the bytes
 * of any file the run read. Messages from the readers may quote what they found (a malformed
 * JSON's opening characters, a CSV cell, a header); whoever can read Redis must not learn a
 * worker's files that way. The full message stays in the worker's own log.
 */
const MAX_REASON = 400;

const RULES: [RegExp, string][] = [
  [/"[^"\n]*"|`[^`\n]*`|“[^”\n]*”/g, '"…"'], // quoted text (JSON.parse excerpts, cells, header names)
  [/'[^'\s]{1,8}'/g, "'…'"], // a quoted token ("Unexpected token 'r'")
  [/(Unexpected token) (?!'…')\S+/g, '$1 …'],
  [/(found|columns found|holds|found in it): [^;]*/gi, '$1: …'], // listings of a file's columns or a folder's names
  [/: [^\s:;,]+ (is not a (?:finite )?number)/g, ': … $1'], // a cell quoted without quotes
];

/** `message` made safe for Redis (see above). */
export function safeReason(message: string): string {
  const first = String(message).split('\n')[0];
  // oxlint-disable-next-line no-control-regex -- control characters are what is replaced
  let s = first.replace(/[\u0000-\u001f\u007f]/g, ' ');
  for (const [re, to] of RULES) s = s.replace(re, to);
  return s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s;
}

/** A progress bar on stderr: redrawn in place on a TTY, silent otherwise or with --quiet. */
export interface Progress {
  (done: number, total: number, label?: string): void;
  done(): void;
}

export function createProgress(title: string, opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const live = !opts.quiet && stream.isTTY === true;
  const started = Date.now();
  let last = 0;
  let drawn = false;
  const update = ((done: number, total: number, label?: string) => {
    if (!live) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const elapsed = (now - started) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${Math.ceil((elapsed / frac) * (1 - frac))}s` : '';
    stream.write(`\r${title} ${bar} ${done}/${total}${label ? ` ${label}` : ''} ${elapsed.toFixed(1)}s${eta}\x1b[K`);
    drawn = true;
  }) as Progress;
  update.done = () => {
    if (drawn) stream.write('\r\x1b[K');
  };
  return update;
}

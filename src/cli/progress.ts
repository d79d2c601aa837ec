import cliProgress from 'cli-progress';

/** A progress bar on stderr, drawn on a terminal only, from the first update (when the total is known). */
export interface LazyBar {
  update(done: number, total: number): void;
  stop(): void;
  /** whether it has been drawn: a line written meanwhile starts on a line of its own */
  readonly drawn: boolean;
}

export function lazyBar(format: string, enabled: boolean): LazyBar {
  const bar = enabled && process.stderr.isTTY ? new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let drawn = false;
  return {
    update(done, total) {
      if (bar === null) return;
      if (!drawn) bar.start(total, 0);
      drawn = true;
      bar.update(done);
    },
    stop: () => bar?.stop(),
    get drawn() {
      return drawn;
    },
  };
}

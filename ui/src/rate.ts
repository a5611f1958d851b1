// Items per second and time left for a running index, from its progress
// events: a sliding window over the last samples, so a slow start or a pause
// does not skew it for long.

export interface Sample {
  at: number;
  done: number;
}

export class Rate {
  private samples: Sample[] = [];
  constructor(private windowMs = 10_000) {}

  /** Records `done` at time `at` (ms). A count that goes back starts afresh. */
  add(at: number, done: number) {
    const last = this.samples[this.samples.length - 1];
    if (last && done < last.done) this.samples = [];
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift();
  }

  /** Forgets the samples (after a pause, say). */
  reset() {
    this.samples = [];
  }

  /** Items per second over the window, once there is something to measure. */
  perSecond(): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const dt = (b.at - a.at) / 1000;
    return dt > 0.2 && b.done > a.done ? (b.done - a.done) / dt : null;
  }

  /** Seconds left to reach `total` at the current rate. */
  eta(total: number): number | null {
    const r = this.perSecond();
    const last = this.samples[this.samples.length - 1];
    return r && last ? Math.max(0, (total - last.done) / r) : null;
  }
}

/** "45 s", "3 min", "1 h 20 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

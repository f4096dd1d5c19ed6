// The range clock. An epoch is one "day" of the simulated dark web: between epochs listings
// appear, change price and disappear, and new vendors show up. Crawl, advance, crawl again.
export class RangeClock {
  private current: number;
  private listeners = new Set<(epoch: number) => void>();

  constructor(epoch = 0) {
    this.current = RangeClock.check(epoch);
  }

  static check(epoch: number): number {
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > 10_000) {
      throw new RangeError(`epoch must be an integer between 0 and 10000, got ${epoch}`);
    }
    return epoch;
  }

  get epoch(): number {
    return this.current;
  }

  set(epoch: number): number {
    this.current = RangeClock.check(epoch);
    for (const fn of this.listeners) fn(this.current);
    return this.current;
  }

  advance(by = 1): number {
    return this.set(this.current + by);
  }

  onChange(fn: (epoch: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

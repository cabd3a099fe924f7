import type { TransferEvent } from '../engine/engine.port';

/** Byte lines per layer at most at these fractions of its size, so a large layer writes a few lines, not thousands. */
const STEPS = 4;

/**
 * Turns the engine's progress messages into log lines: a line when a layer changes status, a few
 * lines of bytes while it moves, and the image-wide messages as they come.
 */
export class TransferProgress {
  private readonly layers = new Map<string, { status: string; step: number }>();

  constructor(private readonly write: (text: string) => void) {}

  event(e: TransferEvent): void {
    if (!e.layer) {
      this.write(e.status);
      return;
    }
    const seen = this.layers.get(e.layer);
    const moving = e.current !== undefined && e.total !== undefined;
    if (!seen || seen.status !== e.status) {
      this.layers.set(e.layer, { status: e.status, step: -1 });
      if (!moving) this.write(`layer ${e.layer}: ${e.status}`);
    }
    if (!moving) return;
    const state = this.layers.get(e.layer)!;
    const step = Math.min(STEPS, Math.floor((Math.min(e.current!, e.total!) / e.total!) * STEPS));
    if (step > state.step) {
      state.step = step;
      this.write(`layer ${e.layer}: ${e.status} ${e.current}/${e.total} bytes`);
    }
  }

  /** Layers seen so far. */
  get layerCount(): number {
    return this.layers.size;
  }
}

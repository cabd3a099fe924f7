import type { Logger } from 'winston';
import { NodeUnavailableError, NotFoundError, UnavailableError } from '../errors';
import type { NodeProbe, NodeState } from './node.state';

/** One configured node: how to probe it, and what the node-scoped routes use (its services). */
export interface NodeEntry<S> {
  name: string;
  runtime: 'docker' | 'podman';
  address: string;
  probe: NodeProbe;
  /** Milliseconds a probe may take before the node counts as down. */
  probeTimeoutMs: number;
  services: S;
  close?: () => void;
}

export interface NodeRegistryOptions {
  /** Milliseconds between probes of a node that answers. */
  upIntervalMs: number;
  /** Milliseconds between probes of a node that is down (how soon it comes back). */
  downIntervalMs: number;
  /** Longest a listing waits for the first probes after start; a node still unprobed then shows as such. */
  firstRoundWaitMs: number;
  now?: () => Date;
}

interface Slot<S> {
  entry: NodeEntry<S>;
  state: NodeState;
  timer?: NodeJS.Timeout;
  probing?: Promise<void>;
}

/**
 * Every node and its last known state. States are refreshed in the background, each node on its
 * own timer with its own deadline, so requests never wait for a probe: a node that is down
 * answers 503 at once and is probed again on its timer, not per request.
 */
export class NodeRegistry<S> {
  private readonly slots = new Map<string, Slot<S>>();
  private firstRound: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    entries: ReadonlyArray<NodeEntry<S>>,
    private readonly options: NodeRegistryOptions,
    private readonly logger: Logger,
  ) {
    for (const entry of entries) {
      this.slots.set(entry.name, { entry, state: { name: entry.name, runtime: entry.runtime, address: entry.address, reachable: undefined } });
    }
  }

  /** Probes every node once now, then each on its timer. */
  start(): void {
    this.firstRound = Promise.all([...this.slots.values()].map((slot) => this.probe(slot))).then(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      slot.entry.close?.();
    }
  }

  /** Every node's state; just after start, waits a little (`firstRoundWaitMs`) for the first probes. */
  async list(): Promise<NodeState[]> {
    await this.firstProbes();
    return [...this.slots.values()].map((slot) => slot.state);
  }

  async get(name: string): Promise<NodeState> {
    const slot = this.slot(name);
    await this.firstProbes();
    return slot.state;
  }

  private async firstProbes(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.firstRoundWaitMs);
    });
    await Promise.race([this.firstRound, bound]);
    clearTimeout(timer);
  }

  /** Runs `fn` with the node's services; a node known to be down, or whose engine stops answering, is a 503 naming it. */
  async use<T>(name: string, fn: (services: S) => Promise<T>): Promise<T> {
    const slot = this.slot(name);
    if (slot.state.reachable === false) throw new NodeUnavailableError(name, slot.state.error?.message ?? 'not reachable');
    try {
      return await fn(slot.entry.services);
    } catch (err) {
      if (!(err instanceof UnavailableError) || err.service !== 'engine') throw err;
      this.markDown(slot, err.message);
      throw new NodeUnavailableError(name, err.message);
    }
  }

  private slot(name: string): Slot<S> {
    const slot = this.slots.get(name);
    if (!slot) throw new NotFoundError('node', name, 'node');
    return slot;
  }

  private markDown(slot: Slot<S>, message: string): void {
    const wasUp = slot.state.reachable !== false;
    slot.state = { ...slot.state, reachable: false, error: { code: 'node_unavailable', message } };
    if (wasUp) this.logger.warn('node unavailable', { node: slot.entry.name, error: message });
    if (!slot.probing) this.schedule(slot);
  }

  private probe(slot: Slot<S>): Promise<void> {
    slot.probing ??= this.runProbe(slot).finally(() => {
      slot.probing = undefined;
      this.schedule(slot);
    });
    return slot.probing;
  }

  private async runProbe(slot: Slot<S>): Promise<void> {
    const { entry } = slot;
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${entry.probeTimeoutMs} ms`)), entry.probeTimeoutMs);
        timer.unref();
      });
      const facts = await Promise.race([entry.probe(), deadline]);
      if (slot.state.reachable === false) this.logger.info('node reachable again', { node: entry.name });
      slot.state = { name: entry.name, runtime: entry.runtime, address: entry.address, reachable: true, facts, lastSeenAt: this.now() };
    } catch (err) {
      this.markDown(slot, err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private schedule(slot: Slot<S>): void {
    if (this.stopped) return;
    clearTimeout(slot.timer);
    const wait = slot.state.reachable === false ? this.options.downIntervalMs : this.options.upIntervalMs;
    slot.timer = setTimeout(() => void this.probe(slot), wait);
    slot.timer.unref();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

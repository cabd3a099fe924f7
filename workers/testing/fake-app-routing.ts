import type { AppRouting, RoutedServer, Slot } from '../../src/proxy/app-routing.port';

/** The proxy as deploys see it, in memory: two slots per app and where its domains go. */
export class FakeAppRouting implements AppRouting {
  readonly slots = new Map<string, Record<Slot, RoutedServer[]>>();
  readonly routes = new Map<string, { domains: string[]; slot: Slot }>();
  /** Every call, in order, e.g. `stage web b r2-1`, `route web b`, `drain web a 30000`. */
  readonly calls: string[] = [];
  /** Runs at the start of each call; throwing there makes the call fail. */
  onCall: ((call: string) => void) | undefined;

  async addApp(app: string): Promise<void> {
    this.note(`add ${app}`);
    if (!this.slots.has(app)) this.slots.set(app, { a: [], b: [] });
  }
  async removeApp(app: string): Promise<void> {
    this.note(`remove ${app}`);
    this.slots.delete(app);
    this.routes.delete(app);
  }
  async route(app: string, domains: readonly string[], slot: Slot): Promise<void> {
    this.note(`route ${app} ${slot}`);
    this.routes.set(app, { domains: [...domains], slot });
  }
  async unroute(app: string): Promise<void> {
    this.note(`unroute ${app}`);
    this.routes.delete(app);
  }
  async stage(app: string, slot: Slot, servers: readonly RoutedServer[], _timeoutMs: number): Promise<void> {
    this.note(`stage ${app} ${slot} ${servers.map((s) => s.name).join(',')}`);
    const slots = this.app(app);
    slots[slot] = [...slots[slot].filter((s) => !servers.some((n) => n.name === s.name)), ...servers];
  }
  async drainSlot(app: string, slot: Slot, drainMs: number): Promise<void> {
    this.note(`drain ${app} ${slot} ${drainMs}`);
    this.app(app)[slot] = [];
  }
  async servers(app: string, slot: Slot): Promise<RoutedServer[]> {
    return [...this.app(app)[slot]];
  }
  async routedSlot(app: string): Promise<Slot | undefined> {
    return this.routes.get(app)?.slot;
  }

  /** Names of the servers the app's domains reach now. */
  serving(app: string): string[] {
    const route = this.routes.get(app);
    return route ? this.app(app)[route.slot].map((s) => s.name) : [];
  }

  private app(app: string): Record<Slot, RoutedServer[]> {
    let slots = this.slots.get(app);
    if (!slots) this.slots.set(app, (slots = { a: [], b: [] }));
    return slots;
  }

  private note(call: string): void {
    this.calls.push(call);
    this.onCall?.(call);
  }
}

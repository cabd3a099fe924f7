import { EMPTY_PROXY_STATE, copyState, type ProxyStateSession, type ProxyStateStore } from './proxy-state.port';
import type { ProxyDesiredState } from './proxy.port';

/** The proxy's desired state in this process's memory: for unit tests and a single process. */
export class MemoryProxyState implements ProxyStateStore {
  private state: ProxyDesiredState = EMPTY_PROXY_STATE;
  private queue: Promise<unknown> = Promise.resolve();

  async read(): Promise<ProxyDesiredState> {
    return copyState(this.state);
  }

  /** Runs `task` after every one asked before it. */
  exclusive<T>(task: (session: ProxyStateSession) => Promise<T>): Promise<T> {
    const session: ProxyStateSession = {
      load: () => this.read(),
      save: async (state) => {
        this.state = copyState(state);
      },
    };
    const run = this.queue.then(
      () => task(session),
      () => task(session),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }
}

import { lookup } from 'node:dns/promises';

/**
 * Turns a host name into addresses. The host guard checks what this answers and git is pinned to
 * it, so a name that changes its answer between the check and the clone (DNS rebinding) cannot
 * lead git elsewhere.
 */
export interface HostResolver {
  /** Every address of `host`, in the system's order of preference; rejects when it has none. */
  resolve(host: string): Promise<string[]>;
}

/** The system resolver (getaddrinfo), as git itself would use. */
export class DnsHostResolver implements HostResolver {
  async resolve(host: string): Promise<string[]> {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  }
}

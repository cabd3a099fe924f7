import { BuildFailedError } from '../errors';
import { parseGitUrl } from './git-url';
import type { RemoteChecker, RemotePin } from './git.port';
import { checkHost } from './host-guard';
import type { HostResolver } from './host-resolver';
import { remotePort } from './remote-pin';

export interface RemoteGuardOptions {
  allowFileUrls: boolean;
  /** Hosts exempt from the internal-address check (`[git] allowed_hosts`). */
  allowedHosts: readonly string[];
}

/**
 * The worker's check of every remote before git touches it: the build's own and each submodule's.
 * The scheme must be allowed, the host resolved once and not internal; the answer pins git to the
 * address that was checked.
 */
export class RemoteGuard implements RemoteChecker {
  constructor(
    private readonly resolver: HostResolver,
    private readonly options: RemoteGuardOptions,
    /** Which remote this guard checks, for messages and the code of a bad URL. */
    private readonly kind: 'repository' | 'submodule' = 'submodule',
  ) {}

  async check(input: string): Promise<RemotePin> {
    const url = parseGitUrl(input, this.options.allowFileUrls);
    const name = this.kind === 'submodule' ? `submodule URL ${JSON.stringify(input.slice(0, 200))}` : 'git_repo';
    if (typeof url === 'string') throw new BuildFailedError(`${name} ${url}`, this.kind === 'submodule' ? 'submodule_refused' : 'host_refused');
    const pin: RemotePin = { url: url.url, scheme: url.scheme, host: url.host, port: remotePort(url) };
    if (url.scheme === 'file') return pin;
    const check = await checkHost(url.host, this.options.allowedHosts, this.resolver);
    if ('refusal' in check) throw new BuildFailedError(this.kind === 'submodule' ? `${name}: ${check.refusal}` : check.refusal, 'host_refused');
    return { ...pin, address: check.address };
  }
}

import { BlockList, isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { TokenService } from '../services/token.service';

/** Who may scrape: a token (Bearer), client addresses, or both (then both must hold). */
export interface MetricsAccess {
  /** The `[metrics]` tokens; undefined when none is configured. */
  tokens?: TokenService;
  /** `[metrics] allow` entries: addresses or CIDR ranges, IPv4 or IPv6. Empty: any address. */
  allow: readonly string[];
}

/** Addresses and CIDR ranges as a matcher; an IPv4 client seen as `::ffff:a.b.c.d` matches its IPv4 entries. */
export function addressMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (raw) => {
    if (!raw) return false;
    const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1] ?? raw;
    const type = isIP(address);
    return type !== 0 && list.check(address, type === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Guards `GET /metrics`: a client outside the allow-list gets 403 whatever it sends; without the
 * metrics token (when one is set) 401 with `WWW-Authenticate: Bearer`. The address is the
 * connection's own: no forwarding header is trusted.
 */
export function metricsAccess(access: MetricsAccess): RequestHandler {
  const allowed = access.allow.length > 0 ? addressMatcher(access.allow) : () => true;
  return (req, res, next) => {
    if (!allowed(req.socket.remoteAddress)) {
      next(new ForbiddenError('this address may not read the metrics; see [metrics] allow'));
      return;
    }
    if (access.tokens && !access.tokens.verify(req.header('authorization'))) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="berth-metrics"');
      next(new UnauthorizedError('a valid "Authorization: Bearer <metrics token>" header is required; see [metrics] token'));
      return;
    }
    next();
  };
}

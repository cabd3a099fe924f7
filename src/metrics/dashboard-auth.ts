import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../errors';
import type { TokenService } from '../services/token.service';

/**
 * The API token, for pages a browser opens: `Authorization: Bearer <token>` as the API takes it,
 * or HTTP Basic with the token as the password (any user name), which a browser asks for itself
 * after a 401 with `WWW-Authenticate: Basic` and then sends with every request of the page.
 * Both compare in constant time through the `TokenService`.
 */
export function dashboardAuth(tokens: TokenService): RequestHandler {
  return (req, res, next) => {
    const header = req.header('authorization') ?? '';
    if (tokens.verify(header) || tokens.verify(basicAsBearer(header))) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="Berth", charset="UTF-8"');
    next(new UnauthorizedError('the API token is required: as "Authorization: Bearer <token>", or as the password of HTTP Basic'));
  };
}

/** `Basic base64(user:password)` → `Bearer password`; anything else → undefined. */
export function basicAsBearer(header: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : `Bearer ${decoded.slice(colon + 1)}`;
}

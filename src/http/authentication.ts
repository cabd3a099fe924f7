import type { Request } from 'express';
import { UnauthorizedError } from '../errors';
import type { TokenService } from '../services/token.service';

/** tsoa's hook for `@Security('bearer')`: the token service lives on the app, set by the composition root. */
export async function expressAuthentication(request: Request, securityName: string): Promise<true> {
  const tokens = request.app.locals.tokens as TokenService | undefined;
  if (securityName !== 'bearer' || !tokens?.verify(request.header('authorization'))) {
    throw new UnauthorizedError();
  }
  return true;
}

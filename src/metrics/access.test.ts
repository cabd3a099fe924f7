import type { NextFunction, Request, Response } from 'express';
import { TokenService } from '../services/token.service';
import { basicAsBearer, dashboardAuth } from './dashboard-auth';
import { addressMatcher, metricsAccess } from './metrics-access';

const TOKEN = 'metrics-token-0123456789';
const API_TOKEN = 'api-token-0123456789abcdef';

/** Runs a middleware on a request from `address` with `authorization`; what it passed on and the headers it set. */
function run(handler: (req: Request, res: Response, next: NextFunction) => void, address: string, authorization?: string) {
  const headers: Record<string, string> = {};
  let passed: unknown = 'not called';
  const req = {
    socket: { remoteAddress: address },
    header: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : undefined),
  } as unknown as Request;
  const res = { setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = v) } as unknown as Response;
  handler(req, res, (err?: unknown) => (passed = err));
  return { passed: passed as { code?: string } | undefined, headers };
}

describe('addressMatcher', () => {
  const allowed = addressMatcher(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);

  it('matches addresses and CIDR ranges of both families', () => {
    expect(['127.0.0.1', '10.20.30.40', '::1', 'fd12::5'].map(allowed)).toEqual([true, true, true, true]);
    expect(['127.0.0.2', '11.0.0.1', '::2', 'fe80::1', '', undefined, 'not-an-ip'].map(allowed)).toEqual([false, false, false, false, false, false, false]);
  });

  it('matches an IPv4 client that a dual-stack socket reports as ::ffff:a.b.c.d', () => {
    expect(allowed('::ffff:10.1.2.3')).toBe(true);
    expect(allowed('::ffff:192.168.1.1')).toBe(false);
  });
});

describe('metricsAccess', () => {
  const tokens = new TokenService([TOKEN]);

  it('takes the metrics token, and answers 401 with a Bearer challenge otherwise', () => {
    const guard = metricsAccess({ tokens, allow: [] });
    expect(run(guard, '203.0.113.9', `Bearer ${TOKEN}`).passed).toBeUndefined();
    const refused = run(guard, '203.0.113.9', `Bearer ${API_TOKEN}`);
    expect(refused.passed?.code).toBe('unauthorized');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(run(guard, '203.0.113.9').passed?.code).toBe('unauthorized');
  });

  it('answers 403 outside the allow-list, token or not; with both set both must hold', () => {
    const guard = metricsAccess({ tokens, allow: ['127.0.0.1'] });
    expect(run(guard, '192.0.2.1', `Bearer ${TOKEN}`).passed?.code).toBe('forbidden');
    expect(run(guard, '127.0.0.1').passed?.code).toBe('unauthorized');
    expect(run(guard, '127.0.0.1', `Bearer ${TOKEN}`).passed).toBeUndefined();
    const listOnly = metricsAccess({ allow: ['127.0.0.1'] });
    expect(run(listOnly, '127.0.0.1').passed).toBeUndefined();
  });
});

describe('dashboardAuth', () => {
  const guard = dashboardAuth(new TokenService([API_TOKEN]));
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('takes the API token as Bearer, or as the Basic password with any user name', () => {
    expect(run(guard, '127.0.0.1', `Bearer ${API_TOKEN}`).passed).toBeUndefined();
    expect(run(guard, '127.0.0.1', basic('admin', API_TOKEN)).passed).toBeUndefined();
    expect(run(guard, '127.0.0.1', basic('', API_TOKEN)).passed).toBeUndefined();
  });

  it('answers 401 with a Basic challenge to anything else', () => {
    for (const header of [undefined, basic('admin', 'wrong'), basic(API_TOKEN, ''), `Bearer ${TOKEN}`, 'Basic !!!']) {
      const { passed, headers } = run(guard, '127.0.0.1', header);
      expect(passed?.code).toBe('unauthorized');
      expect(headers['www-authenticate']).toBe('Basic realm="Berth", charset="UTF-8"');
    }
  });

  it('reads the password after the first colon', () => {
    expect(basicAsBearer(`Basic ${Buffer.from('u:pa:ss').toString('base64')}`)).toBe('Bearer pa:ss');
    expect(basicAsBearer(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(basicAsBearer('Bearer x')).toBeUndefined();
  });
});

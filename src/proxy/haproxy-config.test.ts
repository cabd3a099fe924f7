import { ValidationError } from '../errors';
import { checkDesiredState, generateConfig, generateMap } from './haproxy-config';
import type { ProxyDesiredState } from './proxy.port';

const OPTIONS = {
  bindAddress: '127.0.0.1',
  httpPort: 8080,
  socketPath: '/run/berth/haproxy.sock',
  mapPath: '/var/lib/berth/haproxy/hosts.map',
  pidPath: '/var/lib/berth/haproxy/haproxy.pid',
};
const STATE: ProxyDesiredState = {
  backends: [
    {
      name: 'app_web',
      servers: [
        { name: 'r1', address: '127.0.0.1:32768' },
        { name: 'r0', address: '127.0.0.1:32767', draining: true },
      ],
    },
    { name: 'app_api', servers: [] },
  ],
  routes: [
    { host: 'Web.Example.com', backend: 'app_web' },
    { host: 'api.example.com', backend: 'app_api' },
  ],
};

describe('generateConfig', () => {
  const config = generateConfig(STATE, OPTIONS);

  it('runs master-worker with an admin socket that hands listeners over on reload', () => {
    expect(config).toContain('\n  master-worker\n');
    expect(config).toContain('\n  pidfile /var/lib/berth/haproxy/haproxy.pid\n');
    expect(config).toContain('\n  stats socket /run/berth/haproxy.sock mode 600 level admin expose-fd listeners\n');
  });

  it('routes by the Host header through the map, unknown hosts to a 404 page', () => {
    expect(config).toContain('\n  bind 127.0.0.1:8080\n');
    expect(config).toContain('\n  use_backend %[req.hdr(host),lower,word(1,:),map(/var/lib/berth/haproxy/hosts.map,berth_not_found)]\n');
    expect(config).toContain('\n  default_backend berth_not_found\n');
    expect(config).toMatch(
      /\nbackend berth_not_found\n {2}http-request return status 404 content-type "text\/html; charset=utf-8" string "[^"\n]*404 Not Found[^"\n]*"\n/,
    );
  });

  it('writes every backend with its servers, a draining one at weight 0', () => {
    expect(config).toContain(
      [
        'backend app_web',
        '  balance roundrobin',
        '  server r1 127.0.0.1:32768 check inter 200 rise 1 fall 3',
        '  server r0 127.0.0.1:32767 check inter 200 rise 1 fall 3 weight 0',
        '',
        'backend app_api',
        '  balance roundrobin',
        '',
      ].join('\n'),
    );
  });

  it('binds "::" for IPv6 and IPv4 alike', () => {
    expect(generateConfig({ backends: [], routes: [] }, { ...OPTIONS, bindAddress: '::' })).toContain('\n  bind [::]:8080 v4v6\n');
  });

  it.each([
    ['a space in a name', { backends: [{ name: 'a b', servers: [] }], routes: [] }],
    ['a newline in a server name', { backends: [{ name: 'a', servers: [{ name: 'r\nbind :1', address: '127.0.0.1:1' }] }], routes: [] }],
    ['a semicolon in an address', { backends: [{ name: 'a', servers: [{ name: 'r', address: '127.0.0.1:1;del' }] }], routes: [] }],
    ['a reserved name', { backends: [{ name: 'berth_not_found', servers: [] }], routes: [] }],
    ['an address with a name', { backends: [{ name: 'a', servers: [{ name: 'r', address: 'localhost:80' }] }], routes: [] }],
    ['an octet past 255', { backends: [{ name: 'a', servers: [{ name: 'r', address: '127.0.0.256:80' }] }], routes: [] }],
    ['port 0', { backends: [{ name: 'a', servers: [{ name: 'r', address: '127.0.0.1:0' }] }], routes: [] }],
    [
      'a duplicate backend',
      {
        backends: [
          { name: 'a', servers: [] },
          { name: 'a', servers: [] },
        ],
        routes: [],
      },
    ],
    [
      'a duplicate server',
      {
        backends: [
          {
            name: 'a',
            servers: [
              { name: 'r', address: '127.0.0.1:1' },
              { name: 'r', address: '127.0.0.1:2' },
            ],
          },
        ],
        routes: [],
      },
    ],
    ['a route to nowhere', { backends: [], routes: [{ host: 'a.example', backend: 'a' }] }],
    ['a host with a port', { backends: [{ name: 'a', servers: [] }], routes: [{ host: 'a.example:80', backend: 'a' }] }],
    ['a wildcard host', { backends: [{ name: 'a', servers: [] }], routes: [{ host: '*.example', backend: 'a' }] }],
    [
      'a host routed twice',
      {
        backends: [{ name: 'a', servers: [] }],
        routes: [
          { host: 'a.example', backend: 'a' },
          { host: 'A.example', backend: 'a' },
        ],
      },
    ],
  ])('refuses %s', (_what, state) => {
    expect(() => checkDesiredState(state)).toThrow(ValidationError);
    expect(() => generateConfig(state, OPTIONS)).toThrow(ValidationError);
  });

  it.each([
    ['socketPath', '/run/my sock'],
    ['mapPath', 'relative.map'],
    ['pidPath', '/run/../etc/passwd'],
    ['bindAddress', '0.0.0.0 ssl'],
  ])('refuses option %s = %j', (key, value) => {
    expect(() => generateConfig(STATE, { ...OPTIONS, [key]: value })).toThrow(ValidationError);
  });
});

describe('generateMap', () => {
  it('writes one lower-case host per line', () => {
    expect(generateMap(STATE)).toBe('web.example.com app_web\napi.example.com app_api\n');
    expect(generateMap({ backends: [], routes: [] })).toBe('');
  });
});

describe('generateConfig with TLS', () => {
  const tls = {
    httpsPort: 8443,
    defaultCertPath: '/var/lib/berth/haproxy/tls/default.pem',
    crtListPath: '/var/lib/berth/haproxy/tls/certs.list',
    challengeMapPath: '/var/lib/berth/haproxy/acme-challenges.map',
    redirectMapPath: '/var/lib/berth/haproxy/https-hosts.map',
  };
  const config = generateConfig(STATE, { ...OPTIONS, tls });

  it('adds an HTTPS frontend with the default certificate and the runtime crt-list, routed by the same map', () => {
    expect(config).toContain(
      [
        'frontend berth_https',
        '  bind 127.0.0.1:8443 ssl crt /var/lib/berth/haproxy/tls/default.pem crt-list /var/lib/berth/haproxy/tls/certs.list alpn h2,http/1.1',
        '  http-request set-header X-Forwarded-Proto https',
        '  use_backend %[req.hdr(host),lower,word(1,:),map(/var/lib/berth/haproxy/hosts.map,berth_not_found)]',
        '  default_backend berth_not_found',
      ].join('\n'),
    );
  });

  it('answers ACME challenges from the runtime map on HTTP, before redirecting hosts with a certificate', () => {
    const http = config.slice(config.indexOf('frontend berth_http\n'), config.indexOf('frontend berth_https'));
    const challenge = http.indexOf(
      'http-request return status 200 content-type text/plain lf-string "%[path,field(4,/),map(/var/lib/berth/haproxy/acme-challenges.map)]"',
    );
    const redirect = http.indexOf(
      'http-request redirect code 308 location https://%[req.hdr(host),lower,word(1,:)]:8443%[capture.req.uri] if !berth_challenge { req.hdr(host),lower,word(1,:),map(/var/lib/berth/haproxy/https-hosts.map) -m found }',
    );
    expect(http).toContain('acl berth_challenge path_reg ^/[.]well-known/acme-challenge/[A-Za-z0-9_-]+$');
    expect(challenge).toBeGreaterThan(0);
    expect(redirect).toBeGreaterThan(challenge);
    expect(http.indexOf('use_backend')).toBeGreaterThan(redirect);
  });

  it('leaves the port out of the redirect on 443, and has no HTTPS frontend without TLS', () => {
    expect(generateConfig(STATE, { ...OPTIONS, tls: { ...tls, httpsPort: 443 } })).toContain('location https://%[req.hdr(host),lower,word(1,:)]%[capture.req.uri] if');
    expect(generateConfig(STATE, OPTIONS)).not.toMatch(/berth_https|ssl|acme/);
  });

  it.each([
    ['crtListPath', '/x/certs list'],
    ['defaultCertPath', 'default.pem'],
    ['challengeMapPath', '/a/../b.map'],
    ['httpsPort', 0],
  ])('refuses %s = %j', (key, value) => {
    expect(() => generateConfig(STATE, { ...OPTIONS, tls: { ...tls, [key]: value } })).toThrow(ValidationError);
  });
});

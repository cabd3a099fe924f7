import type { PlanRequest } from '../plan';
import { PlanError } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { testSettings } from '../testing/settings';
import { composeBuildpack } from './compose.buildpack';

/** A web front, an API built from a subfolder with a target and args, and a stock database. */
const COMPOSE = `services:
  web:
    build: .
    ports: ["80:80"]
  api:
    build:
      context: ./api
      dockerfile: docker/Dockerfile.prod
      target: runtime
      args:
        - NODE_ENV=production
        - API_TOKEN
      cache_from: [app:cache]
  db:
    image: postgres:16
    volumes: [pgdata:/var/lib/postgresql/data]
volumes:
  pgdata: {}
`;

const repository: Record<string, string> = {
  'docker-compose.yml': COMPOSE,
  Dockerfile: 'FROM nginx:alpine',
  'api/docker/Dockerfile.prod': 'FROM node:20 AS runtime',
};

function request(compose?: PlanRequest['compose'], env: Record<string, string> = {}): PlanRequest {
  return { buildpackType: 'docker-compose', imageTag: 'shop:1.0', env, ...(compose ? { compose } : {}) };
}

function plan(files: Record<string, string>, req: PlanRequest = request(), allowComposeHostAccess = false) {
  return composeBuildpack(new MemoryWorkspace(files), req, testSettings({ allowComposeHostAccess }));
}

describe('composeBuildpack', () => {
  it('builds every service with a build section, tagged <image_tag>-<service>, with env as build args', () => {
    expect(plan(repository, request(undefined, { API_TOKEN: 'secret', NODE_ENV: 'development' }))).toEqual({
      buildpack: 'docker-compose',
      summary: [
        'compose: docker-compose.yml, building web, api',
        'web: Dockerfile in ./ -> shop:1.0-web',
        'api: docker/Dockerfile.prod in api/ (target runtime) -> shop:1.0-api',
        'not built here: db',
        'ignored: services.api.build.cache_from',
      ],
      details: {
        composeFile: 'docker-compose.yml',
        services: {
          web: { tag: 'shop:1.0-web', context: '', dockerfile: 'Dockerfile', target: null, buildArgs: ['API_TOKEN', 'NODE_ENV'] },
          api: { tag: 'shop:1.0-api', context: 'api', dockerfile: 'docker/Dockerfile.prod', target: 'runtime', buildArgs: ['API_TOKEN', 'NODE_ENV'] },
        },
        notBuilt: ['db'],
        hostAccessAllowed: false,
        ignored: ['services.api.build.cache_from'],
      },
      images: [
        {
          tag: 'shop:1.0-web',
          context: '',
          dockerfile: 'Dockerfile',
          files: {},
          buildArgs: { API_TOKEN: 'secret', NODE_ENV: 'development' },
          service: 'web',
        },
        {
          tag: 'shop:1.0-api',
          context: 'api',
          dockerfile: 'docker/Dockerfile.prod',
          files: {},
          // The service's own args win over the request's env; a bare name keeps the env's value.
          buildArgs: { API_TOKEN: 'secret', NODE_ENV: 'production' },
          target: 'runtime',
          service: 'api',
        },
      ],
    });
  });

  it('builds only compose.service, tagged image_tag itself', () => {
    const result = plan(repository, request({ service: 'api' }));
    expect(result.images).toHaveLength(1);
    expect(result.images[0]).toMatchObject({ tag: 'shop:1.0', service: 'api', context: 'api' });
    expect(result.summary.slice(0, 3)).toEqual([
      'compose: docker-compose.yml, building api',
      'api: docker/Dockerfile.prod in api/ (target runtime) -> shop:1.0',
      'not built here: web, db',
    ]);
  });

  it('does not read the build sections of the services it does not build', () => {
    const files = { ...repository, 'docker-compose.yml': COMPOSE.replace('build: .', 'build: ./not-checked-out') };
    expect(plan(files, request({ service: 'api' })).images.map((image) => image.service)).toEqual(['api']);
    expect(() => plan(files)).toThrow(expect.objectContaining({ field: 'services.web.build.context' }));
  });

  it('still refuses a service not built here whose context leaves the repository', () => {
    const files = { ...repository, 'docker-compose.yml': COMPOSE.replace('build: .', 'build: ../../etc') };
    expect(() => plan(files, request({ service: 'api' }))).toThrow(
      new PlanError('services.web.build.context: "../../etc" points outside the repository', 'invalid_repository', 'services.web.build.context'),
    );
  });

  it('refuses an unknown service and a service without a build section', () => {
    expect(() => plan(repository, request({ service: 'worker' }))).toThrow(
      new PlanError('docker-compose.yml has no service "worker"', 'invalid_repository', 'compose.service'),
    );
    expect(() => plan(repository, request({ service: 'db' }))).toThrow(
      new PlanError('Service "db" in docker-compose.yml has no build section', 'invalid_repository', 'compose.service'),
    );
  });

  it('refuses a file where no service has a build section: a build must produce an image', () => {
    expect(() => plan({ 'compose.yml': 'services:\n  db:\n    image: postgres:16\n  cache:\n' })).toThrow(
      expect.objectContaining({ code: 'invalid_repository', message: expect.stringContaining('no service with a build section') }),
    );
  });

  it('reads compose_file from a subfolder, with contexts relative to it', () => {
    const files = {
      'deploy/compose.prod.yaml': 'services:\n  web:\n    build:\n      context: ..\n      dockerfile: deploy/web.Dockerfile\n',
      'deploy/web.Dockerfile': 'FROM nginx',
    };
    expect(plan(files, request({ composeFile: 'deploy/compose.prod.yaml' })).images[0]).toMatchObject({
      context: '',
      dockerfile: 'deploy/web.Dockerfile',
      tag: 'shop:1.0-web',
    });
  });

  it('refuses a file asking for host access with host_access, naming the key', () => {
    const files = { ...repository, 'docker-compose.yml': COMPOSE.replace('    ports: ["80:80"]', '    ports: ["80:80"]\n    privileged: true') };
    expect(() => plan(files)).toThrow(expect.objectContaining({ code: 'host_access', field: 'services.web.privileged' }));
    expect(() => plan(files, request({ service: 'web' }))).toThrow(expect.objectContaining({ code: 'host_access', field: 'services.web.privileged' }));
    // Building api alone: web is neither built nor run by this build, so its settings do not count.
    expect(plan(files, request({ service: 'api' })).images.map((image) => image.service)).toEqual(['api']);
  });

  it.each([
    ['network_mode: host', 'services.db.network_mode'],
    ['pid: host', 'services.db.pid'],
    ['ipc: host', 'services.db.ipc'],
    ['userns_mode: host', 'services.db.userns_mode'],
    ['cap_add: [NET_ADMIN]', 'services.db.cap_add'],
    ['devices: [/dev/kvm]', 'services.db.devices'],
    ['security_opt: [apparmor:unconfined]', 'services.db.security_opt[0]'],
    ['volumes: ["./pgdata:/var/lib/postgresql/data"]', 'services.db.volumes[0]'],
    ['volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]', 'services.db.volumes[0]'],
    ['volumes: [{type: bind, source: /srv/pg, target: /var/lib/postgresql/data}]', 'services.db.volumes[0]'],
  ])('refuses %s in any service when the whole file is built, and only in the built one with compose.service', (line, field) => {
    const onDb = { ...repository, 'docker-compose.yml': COMPOSE.replace('    volumes: [pgdata:/var/lib/postgresql/data]', `    ${line}`) };
    expect(() => plan(onDb)).toThrow(expect.objectContaining({ code: 'host_access', field }));
    expect(plan(onDb, request({ service: 'web' })).images.map((image) => image.service)).toEqual(['web']);
    const onWeb = { ...repository, 'docker-compose.yml': COMPOSE.replace('    ports: ["80:80"]', `    ${line}`) };
    expect(() => plan(onWeb, request({ service: 'web' }))).toThrow(
      expect.objectContaining({ code: 'host_access', field: field.replace('services.db.', 'services.web.') }),
    );
  });

  it('allows host access when the settings do, and says so', () => {
    const yaml = COMPOSE.replace('    ports: ["80:80"]', '    network_mode: host\n    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]');
    const result = plan({ ...repository, 'docker-compose.yml': yaml }, request({ service: 'web' }), true);
    expect(result.images.map((image) => image.tag)).toEqual(['shop:1.0']);
    expect(result.summary).toContain('host access: allowed by the server settings');
    expect(result.details.hostAccessAllowed).toBe(true);
  });

  it('never builds from outside the repository, even with host access allowed', () => {
    for (const build of ['../outside', '/etc', '{context: ., dockerfile: /etc/passwd}']) {
      const files = { 'compose.yaml': `services:\n  web:\n    build: ${build}\n`, Dockerfile: '' };
      expect(() => plan(files, request(), true)).toThrow(expect.objectContaining({ code: 'invalid_repository' }));
    }
  });

  it('refuses malformed YAML with a clear error', () => {
    expect(() => plan({ 'compose.yaml': 'services:\n  web:\n    build: .\n   ports: [80' })).toThrow(
      expect.objectContaining({
        code: 'invalid_repository',
        field: 'compose.composeFile',
        message: expect.stringMatching(/^compose\.yaml is not valid YAML: /),
      }),
    );
  });

  it('refuses a service whose name would make the image tag too long, unless built alone', () => {
    const name = `w${'x'.repeat(130)}`;
    const files = { 'compose.yaml': `services:\n  ${name}:\n    build: .\n`, Dockerfile: '' };
    expect(() => plan(files)).toThrow(expect.objectContaining({ code: 'invalid_repository', field: `services.${name}` }));
    expect(plan(files, request({ service: name })).images[0]?.tag).toBe('shop:1.0');
  });
});

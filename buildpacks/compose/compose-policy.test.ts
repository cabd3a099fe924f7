import { PlanError } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { readComposeFile } from './compose-file';
import { assertNoHostAccess, findHostAccess, findServiceHostAccess } from './compose-policy';

/** Host access found in a compose.yaml (plus other repository files it may reference). */
function accessIn(yaml: string, files: Record<string, string> = {}) {
  const workspace = new MemoryWorkspace({ ...files, 'compose.yaml': yaml });
  return findHostAccess(workspace, readComposeFile(workspace, undefined));
}

/** The fields flagged when `lines` are the settings of service `web`. */
function flaggedInService(...lines: string[]): string[] {
  return accessIn(`services:\n  web:\n    image: app\n${lines.map((line) => `    ${line}`).join('\n')}\n`).map((access) => access.field);
}

function assertIn(yaml: string, files: Record<string, string> = {}): void {
  const workspace = new MemoryWorkspace({ ...files, 'compose.yaml': yaml });
  assertNoHostAccess(workspace, readComposeFile(workspace, undefined));
}

describe('compose host-access policy: service settings', () => {
  it('accepts an ordinary web + database file', () => {
    const yaml = [
      'services:',
      '  web:',
      '    build: .',
      '    ports: ["8080:80"]',
      '    environment: {NODE_ENV: production}',
      '    env_file: [.env, {path: ./config/app.env, required: false}]',
      '    volumes: [uploads:/app/uploads, /app/node_modules, {type: volume, source: cache, target: /cache}, {type: tmpfs, target: /tmp}]',
      '    networks: [back]',
      '    network_mode: service:db',
      '    ipc: shareable',
      '    security_opt: [no-new-privileges:true]',
      '    cap_drop: [ALL]',
      '    cap_add: []',
      '    privileged: false',
      '    volumes_from: [db]',
      '    build_extra: ~',
      '  db:',
      '    image: postgres:16',
      '    volumes: [pgdata:/var/lib/postgresql/data]',
      '    secrets: [dbpass]',
      'volumes: {pgdata: {}, uploads: {driver: local}, cache: {driver_opts: {type: tmpfs, device: tmpfs, o: size=100m}}}',
      'networks: {back: {driver: bridge}, hostnet: {}, default: {name: app-net}}',
      'secrets: {dbpass: {file: ./secrets/db.txt}}',
      'configs: {nginx: {file: nginx/nginx.conf}, inline: {content: "x"}}',
    ].join('\n');
    expect(accessIn(yaml)).toEqual([]);
    expect(() => assertIn(yaml)).not.toThrow();
  });

  it.each([
    ['privileged: true', 'services.web.privileged'],
    ['privileged: "true"', 'services.web.privileged'],
    ['privileged: yes', 'services.web.privileged'],
    ['privileged: "On"', 'services.web.privileged'],
    ['privileged: ${PRIVILEGED:-true}', 'services.web.privileged'],
    ['privileged: !override true', 'services.web.privileged'],
    ['network_mode: host', 'services.web.network_mode'],
    ['network_mode: container:berth-api', 'services.web.network_mode'],
    ['network_mode: ${NET_MODE:-host}', 'services.web.network_mode'],
    ['network_mode: $MODE', 'services.web.network_mode'],
    ['pid: host', 'services.web.pid'],
    ['pid: container:redis', 'services.web.pid'],
    ['ipc: host', 'services.web.ipc'],
    ['userns_mode: host', 'services.web.userns_mode'],
    ['uts: host', 'services.web.uts'],
    ['cgroup: host', 'services.web.cgroup'],
    ['cap_add: [SYS_ADMIN]', 'services.web.cap_add'],
    ['cap_add: [NET_BIND_SERVICE]', 'services.web.cap_add'],
    ['devices: ["/dev/fuse:/dev/fuse"]', 'services.web.devices'],
    ['device_cgroup_rules: ["a *:* rmw"]', 'services.web.device_cgroup_rules'],
    ['security_opt: [seccomp:unconfined]', 'services.web.security_opt[0]'],
    ['security_opt: [apparmor=unconfined]', 'services.web.security_opt[0]'],
    ['security_opt: [label=disable]', 'services.web.security_opt[0]'],
    ['security_opt: [label:disable]', 'services.web.security_opt[0]'],
    ['security_opt: ["label=type:spc_t"]', 'services.web.security_opt[0]'],
    ['security_opt: [seccomp=./allow-all.json]', 'services.web.security_opt[0]'],
    ['security_opt: [systempaths=unconfined]', 'services.web.security_opt[0]'],
    ['security_opt: [no-new-privileges, "seccomp:unconfined"]', 'services.web.security_opt[1]'],
    ['volumes_from: ["container:berth-redis"]', 'services.web.volumes_from[0]'],
  ])('flags %s', (line, field) => {
    expect(flaggedInService(line)).toEqual([field]);
  });

  it.each([
    '/var/run/docker.sock:/var/run/docker.sock',
    '/run/podman/podman.sock:/var/run/docker.sock:ro',
    '/:/host',
    '/etc:/etc:ro',
    './data:/data',
    '.:/app',
    '..:/parent',
    '../shared:/shared',
    '.data:/data',
    '~/.ssh:/root/.ssh',
    '${HOME}:/home',
    '$PWD/logs:/logs',
    'C:\\Users:/users',
    'c:/Windows:/w',
    '\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine',
    '  /etc:/etc',
  ])('flags the short-syntax bind mount %j', (volume) => {
    expect(flaggedInService(`volumes: [${JSON.stringify(volume)}]`)).toEqual(['services.web.volumes[0]']);
  });

  it.each([
    '{type: bind, source: ./data, target: /data}',
    '{type: bind, source: data, target: /data}',
    '{type: npipe, source: "\\\\\\\\.\\\\pipe\\\\x", target: /x}',
    '{type: "${MOUNT_TYPE}", source: data, target: /data}',
    '{type: volume, source: /var/lib, target: /data}',
    '{type: volume, source: docker.sock, target: /var/run/docker.sock}',
  ])('flags the long-syntax mount %s', (volume) => {
    expect(flaggedInService(`volumes: [${volume}]`)).toEqual(['services.web.volumes[0]']);
  });

  it.each([
    ['env_file: /etc/environment', 'services.web.env_file'],
    ['env_file: ../../.env', 'services.web.env_file'],
    ['env_file: ["./ok.env", "~/.aws/credentials"]', 'services.web.env_file[1]'],
    ['env_file: [{path: /root/.env, required: false}]', 'services.web.env_file[0]'],
    ['env_file: ".env.${STAGE}"', 'services.web.env_file'],
    ['label_file: /etc/labels', 'services.web.label_file'],
  ])('flags the host file %s', (line, field) => {
    expect(flaggedInService(line)).toEqual([field]);
  });

  it.each([
    ['network: host', 'services.web.build.network'],
    ['network: ${BUILD_NET:-host}', 'services.web.build.network'],
    ['privileged: true', 'services.web.build.privileged'],
    ['entitlements: [network.host, security.insecure]', 'services.web.build.entitlements'],
    ['ssh: [default]', 'services.web.build.ssh'],
    ['ssh: {default: ~/.ssh/id_ed25519}', 'services.web.build.ssh'],
    ['additional_contexts: {certs: /etc/ssl/certs}', 'services.web.build.additional_contexts.certs'],
    ['additional_contexts: ["home=~/"]', 'services.web.build.additional_contexts[0]'],
    ['additional_contexts: {layout: "oci-layout:///var/lib/images"}', 'services.web.build.additional_contexts.layout'],
  ])('flags the build setting %s', (line, field) => {
    expect(accessIn(`services:\n  web:\n    build:\n      context: .\n      ${line}\n`).map((access) => access.field)).toEqual([field]);
  });

  it('accepts build settings that stay inside', () => {
    const build = [
      'network: none',
      'privileged: false',
      'additional_contexts: {base: "docker-image://alpine:3", src: ./src, web: "service:web", repo: "https://github.com/a/b.git"}',
      'ssh: []',
      'entitlements: []',
    ];
    expect(accessIn(`services:\n  web:\n    build:\n      context: ./app\n${build.map((l) => `      ${l}`).join('\n')}\n`, { 'src/x': '' })).toEqual([]);
  });

  it('checks every service, built or not, and reports every finding with its reason', () => {
    const yaml = [
      'services:',
      '  web:',
      '    build: .',
      '    privileged: true',
      '  agent:',
      '    image: portainer/agent',
      '    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
      '    pid: host',
    ].join('\n');
    expect(accessIn(yaml)).toEqual([
      { field: 'services.web.privileged', reason: 'privileged mode' },
      { field: 'services.agent.pid', reason: "shares the host's namespace" },
      { field: 'services.agent.volumes[0]', reason: "mounts the container engine's socket" },
    ]);
  });
});

describe('compose host-access policy: top-level definitions', () => {
  it.each([
    ['volumes: {data: {driver: local, driver_opts: {type: none, o: bind, device: /srv/data}}}', 'volumes.data.driver_opts'],
    ['volumes: {data: {driver_opts: {o: "ro,rbind", device: /}}}', 'volumes.data.driver_opts'],
    ['volumes: {data: {driver_opts: {o: "${OPTS}", device: /}}}', 'volumes.data.driver_opts'],
    ['networks: {outside: {name: host, external: true}}', 'networks.outside'],
    ['networks: {outside: {name: host}}', 'networks.outside'],
    ['networks: {host: {external: true}}', 'networks.host'],
    ['networks: {host: {external: "yes"}}', 'networks.host'],
    ['networks: {outside: {external: {name: host}}}', 'networks.outside'],
    ['networks: {outside: {name: "${NETWORK:-host}", external: true}}', 'networks.outside'],
    ['networks: {outside: {driver: host}}', 'networks.outside'],
    ['secrets: {key: {file: /etc/ssl/private/key.pem}}', 'secrets.key.file'],
    ['secrets: {key: {file: ../../id_rsa}}', 'secrets.key.file'],
    ['configs: {app: {file: "~/.config/app.toml"}}', 'configs.app.file'],
    ['configs: {app: {file: "${CONFIG_DIR}/app.toml"}}', 'configs.app.file'],
  ])('flags %s', (definition, field) => {
    expect(accessIn(`services:\n  web:\n    image: app\n${definition}\n`).map((access) => access.field)).toEqual([field]);
  });

  it('accepts a project network that is merely keyed host, and one named from a variable that cannot be host', () => {
    expect(accessIn('services:\n  web: {image: a}\nnetworks:\n  host: {}\n  named: {name: "${PROJECT}-net", external: true}\n')).toEqual([]);
  });
});

describe('compose host-access policy: included and extended files', () => {
  const privileged = 'services:\n  base:\n    image: app\n    privileged: true\n';

  it('checks files pulled in by include, in every form', () => {
    const files = { 'infra/base.yml': privileged, 'infra/net.yml': 'networks: {h: {name: host}}\n' };
    for (const include of ['[infra/base.yml]', '[{path: infra/base.yml}]', '[{path: [infra/net.yml, infra/base.yml]}]']) {
      const found = accessIn(`include: ${include}\nservices:\n  web: {build: .}\n`, files);
      expect(found).toContainEqual({ field: 'services.base.privileged', reason: 'privileged mode', file: 'infra/base.yml' });
    }
  });

  it('checks the file of extends, relative to the file that names it, and follows nested references once', () => {
    const files = {
      'deploy/common.yml': 'include: [../infra/base.yml, ./common.yml]\nservices:\n  common: {image: app}\n',
      'infra/base.yml': privileged,
    };
    const yaml = [
      'services:',
      '  web:',
      '    build: .',
      '    extends: {file: deploy/common.yml, service: common}',
      '  api:',
      '    extends: {file: ./deploy/common.yml, service: common}',
    ].join('\n');
    expect(accessIn(yaml, files)).toEqual([{ field: 'services.base.privileged', reason: 'privileged mode', file: 'infra/base.yml' }]);
  });

  it('refuses references it cannot check: outside the repository, remote or from a variable', () => {
    const yaml = [
      'include:',
      '  - /srv/compose/secrets.yml',
      '  - {path: ../other/compose.yml, env_file: /etc/app.env}',
      '  - oci://registry.example.com/compose:1',
      '  - ${INCLUDE_FILE}',
      'services:',
      '  web:',
      '    build: .',
      '    extends: {file: ~/base.yml, service: web}',
    ].join('\n');
    expect(accessIn(yaml).map((access) => access.field)).toEqual([
      'include[0]',
      'include[1].path',
      'include[1].env_file',
      'include[2]',
      'include[3]',
      'services.web.extends.file',
    ]);
  });

  it('ignores references to files that are not in the repository, and extends within the same file', () => {
    const yaml = 'include: [missing.yml]\nservices:\n  base: {image: a}\n  web:\n    extends: base\n  api:\n    extends: {service: base}\n';
    expect(accessIn(yaml)).toEqual([]);
  });

  it('names the included file in the error', () => {
    expect(() => assertIn('include: [infra/base.yml]\nservices:\n  web: {build: .}\n', { 'infra/base.yml': privileged })).toThrow(
      new PlanError(
        'compose.yaml asks for host access, which this server does not allow (allowComposeHostAccess): ' + 'infra/base.yml: services.base.privileged (privileged mode)',
        'host_access',
        'services.base.privileged',
      ),
    );
  });

  it('reports a malformed included file as an invalid repository', () => {
    expect(() => assertIn('include: [bad.yml]\nservices:\n  web: {build: .}\n', { 'bad.yml': 'services: [' })).toThrow(
      expect.objectContaining({ code: 'invalid_repository', message: expect.stringMatching(/^bad\.yml is not valid YAML/) }),
    );
  });
});

describe('assertNoHostAccess', () => {
  it('throws host_access naming the first key and listing them all', () => {
    const yaml = 'services:\n  web:\n    build: .\n    privileged: true\n    network_mode: host\n    cap_add: [SYS_ADMIN]\n';
    expect(() => assertIn(yaml)).toThrow(
      new PlanError(
        'compose.yaml asks for host access, which this server does not allow (allowComposeHostAccess): ' +
          "services.web.privileged (privileged mode); services.web.network_mode (shares the host's namespace); " +
          'services.web.cap_add (adds kernel capabilities)',
        'host_access',
        'services.web.privileged',
      ),
    );
  });

  it('keeps file text on one line in the message', () => {
    let message = '';
    try {
      assertIn('services:\n  web:\n    image: a\n    volumes: ["./x\\nbuild succeeded:/y"]\n');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('bind-mounts the host path "./x\\nbuild succeeded"');
    expect(message).not.toContain('\n');
  });
});

describe('findServiceHostAccess: building one service', () => {
  function accessOf(service: string, yaml: string, files: Record<string, string> = {}): string[] {
    const workspace = new MemoryWorkspace({ ...files, 'compose.yaml': yaml });
    return findServiceHostAccess(workspace, readComposeFile(workspace, undefined), service).map((access) => access.field);
  }

  const twoServices = [
    'services:',
    '  web:',
    '    build: .',
    '    volumes: [uploads:/app/uploads]',
    '  db:',
    '    image: postgres:16',
    '    privileged: true',
    '    volumes: [./data:/var/lib/postgresql/data, pgbind:/backup]',
    '    networks: [hostnet]',
    '    secrets: [dbpass]',
    '    configs: [pgconf]',
    'volumes: {uploads: {}, pgbind: {driver_opts: {type: none, o: bind, device: /srv/pg}}}',
    'networks: {hostnet: {name: host}}',
    'secrets: {dbpass: {file: /etc/db-password}}',
    'configs: {pgconf: {file: ../pg.conf}}',
  ].join('\n');

  it("ignores another service's settings and the definitions only it uses", () => {
    expect(accessOf('web', twoServices)).toEqual([]);
    // The same file built whole is refused for each of them.
    expect(accessIn(twoServices).map((access) => access.field)).toEqual([
      'services.db.privileged',
      'services.db.volumes[0]',
      'volumes.pgbind.driver_opts',
      'networks.hostnet',
      'secrets.dbpass.file',
      'configs.pgconf.file',
    ]);
  });

  it("checks the built service's own settings and every definition it uses", () => {
    expect(accessOf('db', twoServices)).toEqual([
      'services.db.privileged',
      'services.db.volumes[0]',
      'volumes.pgbind.driver_opts',
      'networks.hostnet',
      'secrets.dbpass.file',
      'configs.pgconf.file',
    ]);
  });

  it('checks the default network for a service without networks, and every definition for a name from a variable', () => {
    const yaml =
      'services:\n  web:\n    build: .\n    volumes: ["${VOL:-a}:/data"]\nvolumes: {a: {}, b: {driver_opts: {o: bind}}}\nnetworks: {default: {driver: host}}\n';
    expect(accessOf('web', yaml)).toEqual(['services.web.volumes[0]', 'volumes.b.driver_opts', 'networks.default']);
    expect(accessOf('web', 'services:\n  web:\n    build: .\n    networks: [back]\nnetworks: {back: {}, default: {driver: host}}\n')).toEqual([]);
  });

  it('checks the services it extends, in this file and in another', () => {
    const yaml = [
      'services:',
      '  base: {image: a, cap_add: [SYS_ADMIN]}',
      '  web: {build: ., extends: {service: middle}}',
      '  middle: {image: b, extends: base, pid: host}',
      '  loop: {build: ., extends: {service: loop}}',
      '  remote: {build: ., extends: {file: other.yml, service: x}}',
    ].join('\n');
    expect(accessOf('web', yaml)).toEqual(['services.middle.pid', 'services.base.cap_add']);
    expect(accessOf('loop', yaml)).toEqual([]);
    expect(accessOf('remote', yaml, { 'other.yml': 'services:\n  x: {image: c, privileged: true}\n' })).toEqual(['services.x.privileged']);
  });
});

import { parseConfig } from './config.loader';
import { configError } from './testing/config-error';

const problems = (toml: string) => configError(() => parseConfig(toml, 'n.toml')).problems.join('\n');

describe('[[nodes]]', () => {
  it('defaults to none, and fills runtime, socket and timeout of an entry', () => {
    expect(parseConfig('', 'n.toml').nodes).toEqual([]);
    expect(parseConfig('[[nodes]]\nname = "box-2"\nhost = "unix:///run/d2.sock"\n', 'n.toml').nodes).toEqual([
      { name: 'box-2', host: 'unix:///run/d2.sock', runtime: 'docker', socket: '/var/run/docker.sock', timeout_seconds: 10 },
    ]);
  });

  it('refuses the reserved name local, names that are not DNS labels, and a name used twice', () => {
    expect(problems('[[nodes]]\nname = "local"\nhost = "unix:///a.sock"\n')).toContain('the name "local" is the [docker] engine');
    expect(problems('[[nodes]]\nname = "Box_1"\nhost = "unix:///a.sock"\n')).toContain('must be a DNS label');
    const twice = problems('[[nodes]]\nname = "a"\nhost = "unix:///a.sock"\n[[nodes]]\nname = "a"\nhost = "unix:///b.sock"\n');
    expect(twice).toContain('the node name "a" is used twice');
  });

  it('requires the TLS files of a tcp host and the key and known_hosts of an ssh host', () => {
    const tcp = problems('[[nodes]]\nname = "t"\nhost = "tcp://10.0.0.5:2376"\nca = "/ca.pem"\n');
    expect(tcp).toMatch(/cert.*required for a tcp:\/\/ host/);
    expect(tcp).toMatch(/key.*required for a tcp:\/\/ host/);
    const ssh = problems('[[nodes]]\nname = "s"\nhost = "ssh://berth@10.0.0.6"\n');
    expect(ssh).toMatch(/ssh_key.*required for a ssh:\/\/ host/);
    expect(ssh).toMatch(/known_hosts.*required for a ssh:\/\/ host/);
  });

  it('explains a host it cannot use', () => {
    expect(problems('[[nodes]]\nname = "h"\nhost = "http://10.0.0.5:2375"\n')).toContain('must start with unix:///, tcp:// or ssh://');
    expect(problems('[[nodes]]\nname = "h"\nhost = "tcp://10.0.0.5"\n')).toContain('a tcp:// host needs a port');
  });

  it('takes the IPv4 address app replicas are reached at, and refuses anything else', () => {
    const node = '[[nodes]]\nname = "a"\nhost = "unix:///a.sock"\n';
    expect(parseConfig(`${node}address = "10.0.0.5"\n`, 'n.toml').nodes[0]?.address).toBe('10.0.0.5');
    expect(parseConfig(node, 'n.toml').nodes[0]).not.toHaveProperty('address');
    expect(problems(`${node}address = "node.lan"\n`)).toMatch(/address.*must be an IPv4 address/);
    expect(problems(`${node}address = "::1"\n`)).toMatch(/address.*must be an IPv4 address/);
  });
});

import { parseConfig } from '../config/config.loader';
import { configError } from '../config/testing/config-error';
import { generateConfig } from './haproxy-config';
import { haproxyPaths } from './haproxy-master';
import { haproxyOptionsFrom } from './haproxy.proxy';

describe('the [proxy] section', () => {
  it('defaults to port 80 on every IPv4 address, files under /var/lib/berth/haproxy', () => {
    const config = parseConfig('', 'empty.toml');
    expect(config.proxy).toMatchObject({
      enabled: true,
      http_port: 80,
      bind_address: '0.0.0.0',
      admin_socket: '/run/berth/haproxy.sock',
      config_dir: '/var/lib/berth/haproxy',
    });
    const options = haproxyOptionsFrom(config.proxy);
    const paths = haproxyPaths(options.configDir);
    const text = generateConfig({ backends: [], routes: [] }, { ...options.config, mapPath: paths.map, pidPath: paths.pid });
    expect(text).toContain('\n  bind 0.0.0.0:80\n');
    expect(text).toContain('\n  stats socket /run/berth/haproxy.sock mode 600 level admin expose-fd listeners\n');
    expect(text).toContain('map(/var/lib/berth/haproxy/hosts.map,berth_not_found)');
  });

  it.each([
    ['admin_socket = "/run/my socket"', 'proxy.admin_socket'],
    ['config_dir = "/var/lib/../etc"', 'proxy.config_dir'],
    ['bind_address = "localhost"', 'proxy.bind_address'],
    ['http_port = 0', 'proxy.http_port'],
  ])('refuses %s', (line, path) => {
    const { problems } = configError(() => parseConfig(`[proxy]\n${line}\n`, 'my.toml'));
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')} = `))]);
  });
});

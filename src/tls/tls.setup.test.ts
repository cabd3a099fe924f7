import { parseConfig } from '../config/config.loader';
import { configError } from '../config/testing/config-error';
import { generateConfig } from '../proxy/haproxy-config';
import { haproxyPaths } from '../proxy/haproxy-master';
import { haproxyOptionsFrom } from '../proxy/haproxy.proxy';
import { withTls } from './tls.setup';

describe('the TLS keys of [proxy]', () => {
  it('default to HTTPS on 443, no certificates directory and ACME off', () => {
    const config = parseConfig('', 'empty.toml');
    expect(config.proxy).toMatchObject({
      https_port: 443,
      certs_dir: '',
      certs_rescan_seconds: 60,
      acme_directory_url: '',
      acme_email: '',
      acme_ca_file: '',
      acme_renew_days: 30,
      acme_retry_seconds: 60,
    });
    const options = withTls(haproxyOptionsFrom(config.proxy), config.proxy);
    const paths = haproxyPaths(options.configDir);
    const text = generateConfig({ backends: [], routes: [] }, { ...options.config, mapPath: paths.map, pidPath: paths.pid });
    expect(text).toContain('\n  bind 0.0.0.0:443 ssl crt /var/lib/berth/haproxy/tls/default.pem crt-list /var/lib/berth/haproxy/tls/certs.list alpn h2,http/1.1\n');
    expect(text).toContain('map(/var/lib/berth/haproxy/acme-challenges.map)');
    expect(text).toContain('location https://%[req.hdr(host),lower,word(1,:)]%[capture.req.uri] if !berth_challenge');
  });

  it.each([
    ['https_port = 0', 'proxy.https_port'],
    ['acme_directory_url = "http://acme.example/dir"', 'proxy.acme_directory_url'],
    ['acme_renew_days = -1', 'proxy.acme_renew_days'],
  ])('refuses %s', (line, path) => {
    const { problems } = configError(() => parseConfig(`[proxy]\n${line}\n`, 'my.toml'));
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')} = `))]);
  });
});

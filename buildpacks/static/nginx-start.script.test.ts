import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxConf } from './nginx.conf';
import { nginxStartScript } from './nginx-start.script';

/**
 * Runs the entrypoint with the host's sh on a copy of the generated config, with a stand-in
 * `nginx` on PATH that prints its arguments: what the image does at start, minus the server.
 */
describe('nginxStartScript', () => {
  let dir: string;
  const CONF = '/etc/nginx/conf.d/default.conf';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-nginx-start-'));
    writeFileSync(join(dir, 'default.conf'), renderNginxConf({ spa: true }));
    writeFileSync(join(dir, 'nginx'), '#!/bin/sh\necho "nginx $*"\n');
    chmodSync(join(dir, 'nginx'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the script with PORT set to `port` (unset when undefined); returns the listen lines and output. */
  function start(port?: string): { listen: string[]; output: string } {
    const env: Record<string, string> = { PATH: `${dir}:/usr/bin:/bin` };
    if (port !== undefined) env.PORT = port;
    const script = nginxStartScript.split(CONF).join(join(dir, 'default.conf'));
    expect(script).not.toBe(nginxStartScript);
    const output = execFileSync('sh', ['-c', script], { env, encoding: 'utf8' });
    const listen = readFileSync(join(dir, 'default.conf'), 'utf8')
      .split('\n')
      .filter((line) => /^\s*listen\b/.test(line));
    return { listen, output };
  }

  it('listens on $PORT and runs nginx in the foreground', () => {
    expect(start('8081')).toEqual({ listen: ['    listen 8081;'], output: 'nginx -g daemon off;\n' });
  });

  it.each([undefined, '', 'abc', '80;x', '0', '0080', '65536', '123456', '-1', ' 8080', '8080 '])('listens on 80 for PORT=%j', (port) => {
    expect(start(port).listen).toEqual(['    listen 80;']);
  });

  it('accepts the ends of the range, and a restart with another port rewrites the same line', () => {
    expect(start('1').listen).toEqual(['    listen 1;']);
    expect(start('65535').listen).toEqual(['    listen 65535;']);
    expect(start().listen).toEqual(['    listen 80;']);
  });

  it('leaves the rest of the config as generated, SPA fallback included', () => {
    start('9000');
    const conf = readFileSync(join(dir, 'default.conf'), 'utf8');
    expect(conf).toBe(renderNginxConf({ spa: true }).replace('    listen 80;\n', '    listen 9000;\n'));
  });

  it('holds no placeholder and starts with a POSIX sh line', () => {
    expect(nginxStartScript.startsWith('#!/bin/sh\n')).toBe(true);
    expect(nginxStartScript).not.toMatch(/\{\{|\}\}/);
  });
});

import { MemoryWorkspace } from '../testing/memory-workspace';
import { readProcfile, readProcfileWeb, releaseThenStart } from './procfile';

function web(procfile: string | undefined): string | undefined {
  return readProcfileWeb(new MemoryWorkspace(procfile === undefined ? {} : { Procfile: procfile }));
}

describe('readProcfileWeb', () => {
  it('reads the web process among others', () => {
    expect(web('release: npm run migrate\nweb: node server.js\nworker: node worker.js\n')).toBe('node server.js');
  });

  it('trims spaces and CRLF line ends, and keeps the rest of the command as is', () => {
    expect(web('web:gunicorn app:app -b 0.0.0.0:$PORT   \r\n')).toBe('gunicorn app:app -b 0.0.0.0:$PORT');
    expect(web('web  :  bundle exec puma -C config/puma.rb\r\n')).toBe('bundle exec puma -C config/puma.rb');
  });

  it('takes the first web line', () => {
    expect(web('web: first\nweb: second')).toBe('first');
  });

  it.each([
    ['no Procfile', undefined],
    ['an empty web command', 'web:   \n'],
    ['only a release process', 'release: npm run migrate\n'],
    ['a commented-out line', '# web: node server.js\n'],
  ])('gives nothing for %s', (_, procfile) => {
    expect(web(procfile)).toBeUndefined();
  });
});

describe('readProcfile', () => {
  const read = (procfile: string) => readProcfile(new MemoryWorkspace({ Procfile: procfile }));

  it('reads the release command beside the web process', () => {
    expect(read('release: npm run migrate\nweb: node server.js\n')).toEqual({ start: 'node server.js', process: 'web', release: 'npm run migrate' });
  });

  it('falls back to worker, then to the first other process by name, as Nixpacks does; release is never started', () => {
    expect(read('clock: node clock.js\nworker: node worker.js\n')).toEqual({ start: 'node worker.js', process: 'worker' });
    expect(read('release: migrate\nzeta: node z.js\nalpha: node a.js\n')).toEqual({ start: 'node a.js', process: 'alpha', release: 'migrate' });
    expect(read('release: migrate\n')).toEqual({ release: 'migrate' });
    expect(readProcfile(new MemoryWorkspace({}))).toEqual({});
  });
});

describe('releaseThenStart', () => {
  it('runs the release command in its own shell, then execs the app so it receives the stop signal', () => {
    expect(releaseThenStart('npm run migrate', 'node server.js')).toBe("sh -c 'npm run migrate' && exec node server.js");
  });

  it("keeps the release command's quotes and operators inside its shell", () => {
    const command = releaseThenStart("echo 'it''s' > /tmp/x; exit 3", 'node server.js');
    expect(command).toBe(`sh -c 'echo '\\''it'\\'''\\''s'\\'' > /tmp/x; exit 3' && exec node server.js`);
  });

  it('runs a compound start command, or one with variables before it, in a shell of its own', () => {
    expect(releaseThenStart('migrate', 'cd api && node server.js')).toBe("sh -c migrate && exec sh -c 'cd api && node server.js'");
    expect(releaseThenStart('migrate', 'PORT=4000 node server.js')).toBe("sh -c migrate && exec sh -c 'PORT=4000 node server.js'");
    expect(releaseThenStart('migrate', 'exec node server.js')).toBe('sh -c migrate && exec node server.js');
  });
});

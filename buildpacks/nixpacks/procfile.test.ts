import { MemoryWorkspace } from '../testing/memory-workspace';
import { readProcfileWeb } from './procfile';

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

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { LABELLED_DOCKERFILE, labelledDockerfile, packContext } from './context-archive';

interface Entry {
  header: Header;
  content: string;
}

/** Every entry of a tar stream in order, with file contents. */
async function entries(archive: Readable): Promise<Entry[]> {
  const found: Entry[] = [];
  const reader = extract();
  const reading = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      found.push({ header: entry.header, content: Buffer.concat(chunks).toString('utf8') });
    }
  })();
  await pipeline(archive, reader);
  await reading;
  return found;
}

async function files(archive: Readable): Promise<Record<string, string>> {
  const all = await entries(archive);
  return Object.fromEntries(all.filter((e) => e.header.type === 'file').map((e) => [e.header.name, e.content]));
}

let dir: string;

function repo(tree: Record<string, string>): void {
  for (const [path, content] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-context-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('packContext', () => {
  it('sends the whole directory when there is no .dockerignore, owned by root', async () => {
    repo({ Dockerfile: 'FROM alpine\n', 'src/index.js': 'x', 'src/lib/a.js': 'y' });
    const all = await entries(packContext(dir, 'Dockerfile'));
    const names = all.map((e) => e.header.name).filter((n) => n !== '.').sort();
    expect(names).toEqual(['Dockerfile', 'src', 'src/index.js', 'src/lib', 'src/lib/a.js']);
    for (const { header } of all) expect(header).toMatchObject({ uid: 0, gid: 0, uname: 'root', gname: 'root' });
    expect((await files(packContext(dir, 'Dockerfile')))['src/lib/a.js']).toBe('y');
  });

  it('honours .dockerignore like the docker CLI, always sending the Dockerfile and .dockerignore', async () => {
    repo({
      Dockerfile: 'FROM alpine\n',
      '.dockerignore': 'Dockerfile\n.dockerignore\nnode_modules\n*.log\n!keep.log\nsecrets/\n**/*.tmp\n',
      'node_modules/x/index.js': 'x',
      'debug.log': 'd',
      'keep.log': 'k',
      'secrets/key.pem': 'k',
      'src/app.js': 'a',
      'src/deep/cache.tmp': 't',
      'src/deep/real.js': 'r',
    });
    expect(Object.keys(await files(packContext(dir, 'Dockerfile'))).sort()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'keep.log',
      'src/app.js',
      'src/deep/real.js',
    ]);
  });

  it('keeps a Dockerfile that lies in an ignored directory, as the docker CLI does', async () => {
    repo({ 'docker/app.Dockerfile': 'FROM alpine\n', 'docker/notes.txt': 'n', '.dockerignore': 'docker\n', 'app.js': 'a' });
    expect(Object.keys(await files(packContext(dir, 'docker/app.Dockerfile'))).sort()).toEqual(['.dockerignore', 'app.js', 'docker/app.Dockerfile']);
  });

  it('always sends the files Berth generated, even under an ignored directory', async () => {
    repo({ Dockerfile: 'FROM alpine\n', '.berth/nginx.conf': 'server {}', '.berth/other': 'o', '.dockerignore': '.berth\n' });
    const sent = await files(packContext(dir, 'Dockerfile', undefined, ['.berth/nginx.conf']));
    expect(Object.keys(sent).sort()).toEqual(['.berth/nginx.conf', '.dockerignore', 'Dockerfile']);
  });

  it('stores symlinks as links and never follows them out of the context', async () => {
    repo({ Dockerfile: 'FROM alpine\n' });
    const outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
    try {
      writeFileSync(join(outside, 'secret'), 'do not send');
      symlinkSync(join(outside, 'secret'), join(dir, 'link'));
      symlinkSync(outside, join(dir, 'dirlink'));
      const all = await entries(packContext(dir, 'Dockerfile'));
      expect(all.find((e) => e.header.name === 'link')?.header).toMatchObject({ type: 'symlink', linkname: join(outside, 'secret') });
      expect(all.find((e) => e.header.name === 'dirlink')?.header.type).toBe('symlink');
      expect(all.some((e) => e.content.includes('do not send'))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  describe('with labels', () => {
    const labels = { 'berth.build-id': 'b1', 'berth.repo': 'https://git.example.test/r.git' };

    it('adds the labelled Dockerfile copy and lists it in the rewritten .dockerignore', async () => {
      repo({ Dockerfile: 'FROM alpine\nCMD ["sh"]\n', '.dockerignore': '*.log', 'app.js': 'a', 'x.log': 'l' });
      const all = await entries(packContext(dir, 'Dockerfile', labels));
      const got = Object.fromEntries(all.filter((e) => e.header.type === 'file').map((e) => [e.header.name, e.content]));
      expect(Object.keys(got).sort()).toEqual(['.berth-labelled.Dockerfile', '.dockerignore', 'Dockerfile', 'app.js']);
      expect(got[LABELLED_DOCKERFILE]).toBe('FROM alpine\nCMD ["sh"]\nLABEL "berth.build-id"="b1" "berth.repo"="https://git.example.test/r.git"\n');
      expect(got['Dockerfile']).toBe('FROM alpine\nCMD ["sh"]\n');
      expect(got['.dockerignore']).toBe(`*.log\n${LABELLED_DOCKERFILE}\n`);
      expect(all.filter((e) => e.header.name === '.dockerignore')).toHaveLength(1);
    });

    it('writes a .dockerignore that drops the copy when the repository has none', async () => {
      repo({ Dockerfile: 'FROM alpine' });
      const got = await files(packContext(dir, 'Dockerfile', labels));
      expect(got['.dockerignore']?.split('\n').filter((l) => l !== '')).toEqual([LABELLED_DOCKERFILE]);
      expect(got[LABELLED_DOCKERFILE]).toMatch(/^FROM alpine\nLABEL /);
    });

    it("replaces the repository's own file of the copy's name", async () => {
      repo({ Dockerfile: 'FROM alpine\n', [LABELLED_DOCKERFILE]: 'FROM evil\n' });
      const all = await entries(packContext(dir, 'Dockerfile', labels));
      const copies = all.filter((e) => e.header.name === LABELLED_DOCKERFILE);
      expect(copies).toHaveLength(1);
      expect(copies[0]?.content).toMatch(/^FROM alpine\nLABEL /);
    });

    it('copies a Dockerfile from a subdirectory to the root of the archive', async () => {
      repo({ 'build/prod.Dockerfile': 'FROM alpine AS prod\n', 'app.js': 'a' });
      const got = await files(packContext(dir, 'build/prod.Dockerfile', { a: 'b' }));
      expect(got[LABELLED_DOCKERFILE]).toBe('FROM alpine AS prod\nLABEL "a"="b"\n');
      expect(got['build/prod.Dockerfile']).toBe('FROM alpine AS prod\n');
    });

    it('gives an archive that tar itself extracts', async () => {
      repo({ Dockerfile: 'FROM alpine\n', 'a/b.txt': 'b', '.dockerignore': 'ignored.txt\n', 'ignored.txt': 'i' });
      const out = mkdtempSync(join(tmpdir(), 'berth-extracted-'));
      try {
        const child = execFile('tar', ['-x', '-f', '-', '-C', out]);
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        await pipeline(packContext(dir, 'Dockerfile', labels), child.stdin as Writable);
        expect(await exited).toBe(0);
        expect(readdirSync(out).sort()).toEqual(['.berth-labelled.Dockerfile', '.dockerignore', 'Dockerfile', 'a']);
        expect(readFileSync(join(out, 'a/b.txt'), 'utf8')).toBe('b');
        expect(readFileSync(join(out, LABELLED_DOCKERFILE), 'utf8')).toMatch(/^FROM alpine\nLABEL "berth.build-id"="b1" /);
        expect(readFileSync(join(out, '.dockerignore'), 'utf8')).toBe(`ignored.txt\n\n${LABELLED_DOCKERFILE}\n`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
});

describe('labelledDockerfile', () => {
  it('appends one LABEL line after the last instruction, trimming trailing blank lines', () => {
    expect(labelledDockerfile('FROM alpine\n\n\n  ', { k: 'v' })).toBe('FROM alpine\nLABEL "k"="v"\n');
    expect(labelledDockerfile('FROM alpine', { a: '1', b: '2' })).toBe('FROM alpine\nLABEL "a"="1" "b"="2"\n');
  });

  it('quotes keys and values so that nothing expands or escapes the line', () => {
    const out = labelledDockerfile('FROM alpine\n', { 'k"ey': 'a "quoted" $HOME ${X} back\\slash\nRUN rm -rf /\r' });
    expect(out).toBe('FROM alpine\nLABEL "k\\"ey"="a \\"quoted\\" \\$HOME \\${X} back\\\\slash RUN rm -rf / "\n');
    expect(out.split('\n').filter((l) => l !== '')).toHaveLength(2);
  });
});

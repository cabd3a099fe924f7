import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { BuildFailedError } from '../errors';
import { BUILD_DOCKERFILE, CONTEXT_DOCKERIGNORE, labelledDockerfile, packContext, type ContextOptions } from './context-archive';

interface Entry {
  header: Header;
  content: string;
}

/** Every entry of a tar stream in order, with file contents. */
async function entries(pending: Readable | Promise<Readable>): Promise<Entry[]> {
  const archive = await pending;
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

async function files(archive: Readable | Promise<Readable>): Promise<Record<string, string>> {
  const all = await entries(await archive);
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

/** The files sent besides Berth's own `.dockerignore` and Dockerfile copy. */
async function repositoryFiles(dockerfile: string, options?: ContextOptions): Promise<string[]> {
  const sent = await files(packContext(dir, dockerfile, options));
  expect(sent['.dockerignore']).toBe(CONTEXT_DOCKERIGNORE);
  return Object.keys(sent)
    .filter((name) => name !== '.dockerignore' && name !== BUILD_DOCKERFILE)
    .sort();
}

/** The BuildFailedError packContext rejects with. */
async function refusal(dockerfile: string, options?: ContextOptions): Promise<{ code: string; message: string }> {
  const err = await packContext(dir, dockerfile, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BuildFailedError);
  const { code, message } = err as BuildFailedError;
  return { code, message };
}

describe('packContext', () => {
  it('sends the whole directory when there is no .dockerignore, owned by root', async () => {
    repo({ Dockerfile: 'FROM alpine\n', 'src/index.js': 'x', 'src/lib/a.js': 'y' });
    const all = await entries(packContext(dir, 'Dockerfile'));
    const names = all
      .map((e) => e.header.name)
      .filter((n) => n !== '.')
      .sort();
    expect(names).toEqual([BUILD_DOCKERFILE, '.dockerignore', 'Dockerfile', 'src', 'src/index.js', 'src/lib', 'src/lib/a.js']);
    for (const { header } of all) expect(header).toMatchObject({ uid: 0, gid: 0, uname: 'root', gname: 'root' });
    const sent = await files(packContext(dir, 'Dockerfile'));
    expect(sent['src/lib/a.js']).toBe('y');
    expect(sent[BUILD_DOCKERFILE]).toBe('FROM alpine\n');
  });

  it('honours .dockerignore like the docker CLI', async () => {
    repo({
      Dockerfile: 'FROM alpine\n',
      '.dockerignore': '# build output\nnode_modules\n*.log\n!keep.log\nsecrets/\n**/*.tmp\n/docs\n!docs/README.md\n',
      'node_modules/x/index.js': 'x',
      'debug.log': 'd',
      'keep.log': 'k',
      'secrets/key.pem': 'k',
      'src/app.js': 'a',
      'src/deep/cache.tmp': 't',
      'src/deep/real.js': 'r',
      'docs/README.md': 'r',
      'docs/internal.md': 'i',
    });
    expect(await repositoryFiles('Dockerfile')).toEqual(['Dockerfile', 'docs/README.md', 'keep.log', 'src/app.js', 'src/deep/real.js']);
  });

  it('builds from its copy of a Dockerfile the rules exclude, and does not send the excluded original', async () => {
    repo({ 'docker/app.Dockerfile': 'FROM alpine\n', 'docker/notes.txt': 'n', '.dockerignore': 'docker\n', 'app.js': 'a' });
    expect(await repositoryFiles('docker/app.Dockerfile')).toEqual(['app.js']);
    expect((await files(packContext(dir, 'docker/app.Dockerfile')))[BUILD_DOCKERFILE]).toBe('FROM alpine\n');
  });

  it('always sends the files Berth generated, even under an ignored directory', async () => {
    repo({ Dockerfile: 'FROM alpine\n', '.berth/nginx.conf': 'server {}', '.berth/other': 'o', '.dockerignore': '.berth\n' });
    expect(await repositoryFiles('Dockerfile', { alwaysSend: ['.berth/nginx.conf'] })).toEqual(['.berth/nginx.conf', 'Dockerfile']);
  });

  it('never sends git data, and not the Dockerfile Berth generated nor its folder once empty', async () => {
    repo({ '.git/HEAD': 'ref', '.git/config': 'c', 'sub/.git': 'gitdir: x', '.berth/Dockerfile': 'FROM alpine\n', 'app.js': 'a' });
    const sent = await entries(packContext(dir, '.berth/Dockerfile', { alwaysSend: ['.berth/Dockerfile'] }));
    const names = sent.map((e) => e.header.name);
    expect(names.filter((n) => n.includes('.git') || n.startsWith('.berth/') || n === '.berth')).toEqual([]);
    expect(sent.find((e) => e.header.name === BUILD_DOCKERFILE)?.content).toBe('FROM alpine\n');
    repo({ '.berth/nginx.conf': 'server {}' });
    const both = ['.berth/Dockerfile', '.berth/nginx.conf'];
    expect(await repositoryFiles('.berth/Dockerfile', { alwaysSend: both })).toEqual(['.berth/nginx.conf', 'app.js']);
  });

  it('packs the same tree to the same bytes whatever its times, owners, umask and creation order', async () => {
    const pack = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await packContext(dir, 'Dockerfile')) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const tree = { Dockerfile: 'FROM alpine\n', 'b.js': 'b', 'a/z.js': 'z', 'a/run.sh': 'echo' };
    repo(tree);
    chmodSync(join(dir, 'a/run.sh'), 0o755);
    chmodSync(join(dir, 'b.js'), 0o600);
    utimesSync(join(dir, 'b.js'), 1000, 1000);
    const first = await pack();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    repo(Object.fromEntries(Object.entries(tree).reverse()));
    chmodSync(join(dir, 'a/run.sh'), 0o775);
    chmodSync(join(dir, 'a'), 0o700);
    const second = await pack();
    expect(second.equals(first)).toBe(true);
    const modes = Object.fromEntries((await entries(packContext(dir, 'Dockerfile'))).map((e) => [e.header.name, e.header.mode]));
    expect(modes).toMatchObject({ 'a/run.sh': 0o755, 'b.js': 0o644, a: 0o755 });
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

  it('never sends the files an engine would read by itself, whatever they are', async () => {
    repo({
      Dockerfile: 'FROM alpine\n',
      '.containerignore': 'x',
      [`${BUILD_DOCKERFILE}.dockerignore`]: 'x',
      [BUILD_DOCKERFILE]: 'FROM evil\n',
      'sub/.containerignore': 's',
    });
    symlinkSync('/dev/zero', join(dir, `${BUILD_DOCKERFILE}.containerignore`));
    expect(await repositoryFiles('Dockerfile')).toEqual(['Dockerfile', 'sub/.containerignore']);
    const copies = (await entries(packContext(dir, 'Dockerfile'))).filter((e) => e.header.name === BUILD_DOCKERFILE);
    expect(copies.map((e) => e.content)).toEqual(['FROM alpine\n']);
  });

  describe('with a hostile repository', () => {
    const marker = `berth-marker-${process.pid}`;
    let outside: string;

    beforeEach(() => {
      outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
      writeFileSync(join(outside, 'secret'), `*.never\n${marker}\n`);
    });
    afterEach(() => {
      rmSync(outside, { recursive: true, force: true });
    });

    it.each([
      ['/proc/self/environ', 'a symlink leading outside the checkout'],
      ['/dev/zero', 'a symlink leading outside the checkout'],
      ['../outside-of-context', 'a symlink leading outside the checkout'],
    ])('refuses a .dockerignore linked to %s: unsafe_file, nothing read', async (target, reason) => {
      repo({ Dockerfile: 'FROM alpine\nCOPY .dockerignore /x\n' });
      symlinkSync(target, join(dir, '.dockerignore'));
      expect(await refusal('Dockerfile')).toEqual({ code: 'unsafe_file', message: `.dockerignore ".dockerignore" is ${reason}: refusing to read it` });
    });

    it('refuses a .dockerignore linked to a readable file outside, and never puts its text in the context', async () => {
      repo({ Dockerfile: 'FROM alpine\n' });
      symlinkSync(join(outside, 'secret'), join(dir, '.dockerignore'));
      expect(await refusal('Dockerfile')).toMatchObject({ code: 'unsafe_file' });
      expect((await refusal('Dockerfile')).message).not.toContain(marker);
    });

    it('refuses a .dockerignore that is a FIFO, a directory or too large', async () => {
      repo({ Dockerfile: 'FROM alpine\n' });
      execFileSync('mkfifo', [join(dir, '.dockerignore')]);
      expect(await refusal('Dockerfile')).toEqual({ code: 'unsafe_file', message: '.dockerignore ".dockerignore" is not a regular file: refusing to read it' });
      rmSync(join(dir, '.dockerignore'));
      mkdirSync(join(dir, '.dockerignore'));
      expect(await refusal('Dockerfile')).toMatchObject({ code: 'unsafe_file', message: expect.stringContaining('not a regular file') });
      rmSync(join(dir, '.dockerignore'), { recursive: true });
      writeFileSync(join(dir, '.dockerignore'), Buffer.alloc(1024 * 1024 + 1, 'a'));
      expect(await refusal('Dockerfile')).toMatchObject({ code: 'unsafe_file', message: expect.stringContaining('larger than 1048576 bytes') });
    });

    it.each(['/proc/self/environ', '/dev/zero'])('refuses a Dockerfile linked to %s', async (target) => {
      symlinkSync(target, join(dir, 'Dockerfile'));
      expect(await refusal('Dockerfile')).toEqual({
        code: 'unsafe_file',
        message: 'Dockerfile "Dockerfile" is a symlink leading outside the checkout: refusing to read it',
      });
    });

    it('sends, from a repository .dockerignore, no text at all', async () => {
      repo({ Dockerfile: 'FROM alpine\n', '.dockerignore': `# ${marker}\n${marker}-file\n` });
      const all = await entries(packContext(dir, 'Dockerfile', { labels: { a: 'b' } }));
      expect(all.filter((e) => e.header.name === '.dockerignore').map((e) => e.content)).toEqual([CONTEXT_DOCKERIGNORE]);
      expect(all.some((e) => e.content.includes(marker))).toBe(false);
    });

    it('treats parentheses and "+" as literal characters instead of crashing', async () => {
      repo({ Dockerfile: 'FROM alpine\n', '.dockerignore': '(\n(a+)+b\n', '(': 'p', '(a+)+b': 'q', ab: 'r' });
      expect(await repositoryFiles('Dockerfile')).toEqual(['Dockerfile', 'ab']);
    });

    it('matches a backtracking pattern against long names', async () => {
      // A regular-expression translation of this pattern backtracks 2^n times on n letters a.
      repo({ Dockerfile: 'FROM alpine\n', '.dockerignore': '(a+)+b\n*a*a*a*a*a*a*a*a*a*a*b\n', [`${'a'.repeat(200)}c`]: 'x' });
      expect(await repositoryFiles('Dockerfile')).toEqual(['Dockerfile', `${'a'.repeat(200)}c`]);
    });

    it('fails clearly, naming the line, on a pattern docker refuses', async () => {
      repo({ Dockerfile: 'FROM alpine\n', '.dockerignore': 'ok\n\n[abc\n' });
      expect(await refusal('Dockerfile')).toEqual({ code: 'invalid_dockerignore', message: '.dockerignore line 3: "[abc": unterminated "["' });
    });

    it('stops when matching would take more work than allowed', async () => {
      repo({ Dockerfile: 'FROM alpine\n', '.dockerignore': '*a*a*a*b\n', [`${'a'.repeat(100)}`]: 'x' });
      expect(await refusal('Dockerfile', { maxMatchSteps: 100 })).toMatchObject({
        code: 'invalid_dockerignore',
        message: expect.stringContaining('more than 100 steps'),
      });
    });
  });

  it('stops walking when the build is aborted', async () => {
    repo({ Dockerfile: 'FROM alpine\n' });
    const controller = new AbortController();
    controller.abort('cancelled');
    await expect(packContext(dir, 'Dockerfile', { signal: controller.signal })).rejects.toBe('cancelled');
  });

  it('fails clearly when the Dockerfile is missing', async () => {
    repo({ 'app.js': 'a' });
    expect(await refusal('Dockerfile')).toEqual({ code: 'invalid_repository', message: 'no Dockerfile at "Dockerfile" in the build context' });
  });

  describe('with labels', () => {
    const labels = { 'berth.build-id': 'b1', 'berth.repo': 'https://git.example.test/r.git' };

    it('appends them to the Dockerfile copy and leaves the original as it is', async () => {
      repo({ Dockerfile: 'FROM alpine\nCMD ["sh"]\n', '.dockerignore': '*.log', 'app.js': 'a', 'x.log': 'l' });
      const got = await files(packContext(dir, 'Dockerfile', { labels }));
      expect(Object.keys(got).sort()).toEqual([BUILD_DOCKERFILE, '.dockerignore', 'Dockerfile', 'app.js']);
      expect(got[BUILD_DOCKERFILE]).toBe('FROM alpine\nCMD ["sh"]\nLABEL "berth.build-id"="b1" "berth.repo"="https://git.example.test/r.git"\n');
      expect(got['Dockerfile']).toBe('FROM alpine\nCMD ["sh"]\n');
      expect(got['.dockerignore']).toBe(CONTEXT_DOCKERIGNORE);
    });

    it('copies a Dockerfile from a subdirectory to the root of the archive', async () => {
      repo({ 'build/prod.Dockerfile': 'FROM alpine AS prod\n', 'app.js': 'a' });
      const got = await files(packContext(dir, 'build/prod.Dockerfile', { labels: { a: 'b' } }));
      expect(got[BUILD_DOCKERFILE]).toBe('FROM alpine AS prod\nLABEL "a"="b"\n');
      expect(got['build/prod.Dockerfile']).toBe('FROM alpine AS prod\n');
    });

    it('gives an archive that tar itself extracts', async () => {
      repo({ Dockerfile: 'FROM alpine\n', 'a/b.txt': 'b', '.dockerignore': 'ignored.txt\n', 'ignored.txt': 'i' });
      const out = mkdtempSync(join(tmpdir(), 'berth-extracted-'));
      try {
        const child = execFile('tar', ['-x', '-f', '-', '-C', out]);
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        await pipeline(await packContext(dir, 'Dockerfile', { labels }), child.stdin as Writable);
        expect(await exited).toBe(0);
        expect(readdirSync(out).sort()).toEqual([BUILD_DOCKERFILE, '.dockerignore', 'Dockerfile', 'a']);
        expect(readFileSync(join(out, 'a/b.txt'), 'utf8')).toBe('b');
        expect(readFileSync(join(out, BUILD_DOCKERFILE), 'utf8')).toMatch(/^FROM alpine\nLABEL "berth.build-id"="b1" /);
        expect(readFileSync(join(out, '.dockerignore'), 'utf8')).toBe(CONTEXT_DOCKERIGNORE);
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

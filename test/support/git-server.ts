import { spawn, execFileSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdtempSync, mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** A git remote on 127.0.0.1: `git http-backend` behind a small CGI bridge, as users' servers are. */
export interface GitServer {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** `git://127.0.0.1:PORT` when started with `daemon`: the same repositories through `git daemon`. */
  gitUrl?: string;
  /** Every request the server answered, in order: what a client sent (headers included). */
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
  /**
   * Creates a bare repository `name.git` holding `files` on `branch`; returns its URL and head commit.
   * With `append`, an existing repository keeps its history and gets one more commit on `branch`.
   * `submodules` adds each path as a submodule (a `.gitmodules` entry and a commit link).
   */
  push(name: string, files: Record<string, string>, options?: PushOptions): { url: string; commit: string };
  close(): Promise<void>;
}

export interface PushOptions {
  branch?: string;
  fromDir?: string;
  append?: boolean;
  /** Submodules by path: the URL written in `.gitmodules` (absolute or relative) and the commit to link. */
  submodules?: Record<string, { url: string; commit: string }>;
}

export interface GitServerOptions {
  /**
   * Serve the repositories as static files ("dumb" HTTP, as a plain web server over a bare
   * repository does) instead of through `git http-backend`.
   */
  dumb?: boolean;
  /** Also serve the repositories over git:// (`git daemon` on 127.0.0.1). */
  daemon?: boolean;
}

const GIT_IDENTITY = ['-c', 'user.name=Berth Tests', '-c', 'user.email=tests@berth.invalid', '-c', 'commit.gpgsign=false'];

export async function startGitServer(serverOptions: GitServerOptions = {}): Promise<GitServer> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-git-')));
  const requests: GitServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers } });
    if (serverOptions.dumb) serveFile(root, req, res);
    else runHttpBackend(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const daemon = serverOptions.daemon ? await startDaemon(root) : undefined;
  return {
    baseUrl,
    ...(daemon ? { gitUrl: daemon.url } : {}),
    requests,
    push(name, files, options = {}) {
      const branch = options.branch ?? 'main';
      const bare = join(root, `${name}.git`);
      const append = options.append === true && existsSync(bare);
      const work = mkdtempSync(join(tmpdir(), 'berth-src-'));
      if (append) execFileSync('git', ['clone', '--quiet', '--branch', branch, bare, work]);
      if (options.fromDir) cpSync(options.fromDir, work, { recursive: true });
      const modules = Object.entries(options.submodules ?? {});
      const gitmodules = modules.map(([path, m]) => `[submodule "${path}"]\n\tpath = ${path}\n\turl = ${m.url}\n`).join('');
      for (const [path, content] of Object.entries({ ...(modules.length > 0 ? { '.gitmodules': gitmodules } : {}), ...files })) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), content);
      }
      const git = (...args: string[]) => execFileSync('git', [...GIT_IDENTITY, ...args], { cwd: work, encoding: 'utf8' }).trim();
      if (!append) git('init', '--quiet', '--initial-branch', branch);
      git('add', '--all');
      for (const [path, m] of modules) git('update-index', '--add', '--cacheinfo', `160000,${m.commit},${path}`);
      git('commit', '--quiet', '--message', 'fixture');
      if (append) {
        git('push', '--quiet', 'origin', branch);
      } else {
        rmSync(bare, { recursive: true, force: true });
        execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
      }
      // The index files a dumb-HTTP client reads instead of asking the server.
      execFileSync('git', ['update-server-info'], { cwd: bare });
      const commit = git('rev-parse', 'HEAD');
      rmSync(work, { recursive: true, force: true });
      return { url: `${baseUrl}/${name}.git`, commit };
    },
    close: async () => {
      daemon?.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** `git daemon` over `root` on a free port of 127.0.0.1, answering once it accepts connections. */
async function startDaemon(root: string): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  const child = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root], { stdio: 'ignore' });
  for (let tries = 0; ; tries += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (tries > 100 || child.exitCode !== null) throw new Error(`git daemon did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `git://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** `git http-backend` as CGI: the "smart" HTTP protocol. */
function runHttpBackend(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: '127.0.0.1',
    },
  });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headerDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const [name, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name?.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else if (name) res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => res.end());
  cgi.on('error', () => res.destroy());
}

/** A static file under `root`, as a plain web server answers: the "dumb" HTTP protocol. */
function serveFile(root: string, req: IncomingMessage, res: ServerResponse): void {
  const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
  const rel = relative(root, path);
  const file = rel.startsWith('..') || req.method !== 'GET' ? undefined : statSync(path, { throwIfNoEntry: false });
  if (!file?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': file.size });
  createReadStream(path).pipe(res);
}

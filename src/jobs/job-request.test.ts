import { ValidationError } from '../errors';
import type { JobRequest } from '../models/job.model';
import { defaultRun, jobGitCredentials, validateJobRequest } from './job-request';

const limits = { defaultTimeoutSeconds: 60, maxTimeoutSeconds: 600, allowFileUrls: false };
const UPLOAD = '0f0e0d0c-0b0a-4900-8800-000000000001';
const base: JobRequest = { image: 'berth-test/busybox:latest', main: 'run.sh', source: { upload_id: UPLOAD } };

function fieldOf(req: Partial<JobRequest> & Record<string, unknown>): string | undefined {
  try {
    validateJobRequest({ ...base, ...req }, limits, 'id');
    return undefined;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.field;
  }
}

describe('validateJobRequest', () => {
  it('makes a spec with defaults: run by extension, no network, the default timeout', () => {
    expect(validateJobRequest({ ...base, main: './src/../main.py' }, limits, 'id')).toEqual({
      id: 'id',
      image: base.image,
      main: 'main.py',
      run: ['python', 'main.py'],
      env: {},
      timeoutSeconds: 60,
      network: 'none',
      source: { kind: 'upload' },
    });
  });

  it('picks the command by extension and asks for run when there is none', () => {
    expect(defaultRun('a/b.mjs')).toEqual(['node', 'a/b.mjs']);
    expect(defaultRun('x.sh')).toEqual(['sh', 'x.sh']);
    expect(defaultRun('x.rb')).toEqual(['ruby', 'x.rb']);
    expect(fieldOf({ main: 'tool.bin' })).toBe('run');
    expect(fieldOf({ main: 'Makefile' })).toBe('run');
    expect(validateJobRequest({ ...base, main: 'tool.bin', run: ['./tool.bin', '--x'] }, limits, 'id').run).toEqual(['./tool.bin', '--x']);
  });

  it('takes a git source as builds do, without credentials in the URL', () => {
    const spec = validateJobRequest({ ...base, source: { git_repo: 'https://git.example.com/a/b.git', git_branch: 'main' } }, limits, 'id');
    expect(spec.source).toEqual({ kind: 'git', repo: 'https://git.example.com/a/b.git', host: 'git.example.com', branch: 'main' });
    const withUser = { ...base, source: { git_repo: 'https://user:pw@git.example.com/a/b.git' } };
    expect(validateJobRequest(withUser, limits, 'id').source).toMatchObject({ repo: 'https://git.example.com/a/b.git' });
    expect(jobGitCredentials(withUser)).toEqual({ username: 'user', token: 'pw' });
    expect(jobGitCredentials({ ...base, source: { git_repo: 'https://git.example.com/a/b.git', git_credentials: { token: 't' } } })).toEqual({ token: 't' });
    expect(jobGitCredentials(base)).toBeUndefined();
    expect(() => jobGitCredentials({ ...base, source: { git_repo: 'git@git.example.com:a/b.git', git_credentials: { ssh_key: 'nope' } } })).toThrow(
      expect.objectContaining({ field: 'source.git_credentials.ssh_key' }),
    );
    expect(() => jobGitCredentials({ ...base, source: { upload_id: UPLOAD, git_credentials: { token: 't' } } })).toThrow(
      expect.objectContaining({ field: 'source.git_credentials' }),
    );
    expect(fieldOf({ source: { git_repo: 'file:///srv/repo' } })).toBe('source.git_repo');
    expect(fieldOf({ source: { git_repo: 'https://git.example.com/a/b.git', git_commit: 'xyz' } })).toBe('source.git_commit');
    expect(fieldOf({ source: { upload_id: UPLOAD, git_branch: 'main' } })).toBe('source.git_repo');
  });

  it('names the field of every bad value', () => {
    expect(fieldOf({ image: 'UPPER CASE' })).toBe('image');
    expect(fieldOf({ main: '' })).toBe('main');
    expect(fieldOf({ main: '../x.py' })).toBe('main');
    expect(fieldOf({ main: '/x.py' })).toBe('main');
    expect(fieldOf({ run: 'python x.py' })).toBe('run');
    expect(fieldOf({ source: { upload_id: UPLOAD, path: '/srv' } })).toBe('source');
    expect(fieldOf({ source: { upload_id: 'x' } })).toBe('source.upload_id');
    expect(fieldOf({ source: { path: 'relative' } })).toBe('source.path');
    expect(fieldOf({ source: { path: '/srv/../etc' } })).toBe('source.path');
    expect(fieldOf({ input: { git_repo: 'https://git.example.com/a/b.git' } })).toBe('input.git_repo');
    expect(fieldOf({ input: { path: '/srv/a/../../etc' } })).toBe('input.path');
    expect(fieldOf({ timeout_seconds: 601 })).toBe('timeout_seconds');
    expect(fieldOf({ network: 'host' })).toBe('network');
    expect(fieldOf({ env: { '1X': 'a' } })).toBe('env.1X');
  });
});

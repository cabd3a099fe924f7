import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import request from 'supertest';
import type { TestApi } from './api';

/** A tar of `files` (path → content), made by the system's tar from a temporary folder, as a user would. */
export function tarOf(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'berth-job-src-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const file = join(dir, '..', `${dir.split('/').pop()}.tar`);
    execFileSync('tar', ['-C', dir, '-cf', file, '.']);
    const tar = readFileSync(file);
    rmSync(file, { force: true });
    return tar;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Unpacks a tar (the job's output) into a new temporary folder; answers the folder. */
export function untar(tar: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-job-out-'));
  const file = `${dir}.tar`;
  writeFileSync(file, tar);
  execFileSync('tar', ['-C', dir, '-xf', file]);
  rmSync(file, { force: true });
  return dir;
}

/** Uploads a tar; answers its id. */
export async function upload(api: TestApi, tar: Buffer): Promise<string> {
  const res = await request(api.url).post('/api/v1/jobs/uploads').set(api.auth()).set('Content-Type', 'application/x-tar').send(tar);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.upload_id as string;
}

/** The body of a binary answer (the output tar). */
export function binary(res: request.Response, callback: (err: Error | null, body: unknown) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
  stream.on('error', (err) => callback(err, undefined));
}

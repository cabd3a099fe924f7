import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { EngineError } from '../errors';
import { splitTag } from './image-names';
import { changeLines } from './change-lines';
import type { EngineVersion, ImageCommitSpec, ImageImportSpec } from './engine.port';

type EngineName = EngineVersion['engine'];

/**
 * `POST /images/create?fromSrc=-` with the tar as the body. The tag goes into `repo` whole:
 * Podman's compatible API ignores `tag` there. Both engines report a failure only as a stream
 * event after a 200, so every event is looked at.
 */
export async function importWithDockerode(docker: Docker, tar: Readable, spec: ImageImportSpec, engine: EngineName, signal: AbortSignal): Promise<void> {
  const opts = {
    repo: spec.tag,
    changes: changeLines(spec.changes, engine),
    ...(spec.message !== undefined ? { message: spec.message } : {}),
    abortSignal: signal,
  };
  const output = (await docker.importImage(tar, opts)) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(output, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      const failed = events.find((e) => e.error !== undefined || e.errorDetail !== undefined);
      if (err) return reject(err);
      if (failed) return reject(new EngineError(`the engine refused the import: ${failed.errorDetail?.message ?? failed.error ?? 'unknown error'}`));
      resolve();
    });
  });
}

/**
 * `POST /commit`. Podman's compatible API wants a JSON body (a container config to merge, here
 * empty); Docker accepts one. Resolves with the new image's id.
 */
export async function commitWithDockerode(docker: Docker, containerId: string, spec: ImageCommitSpec, engine: EngineName): Promise<string> {
  const { repo, tag } = splitTag(spec.tag);
  const query = {
    container: containerId,
    repo,
    tag,
    changes: changeLines(spec.changes, engine),
    pause: spec.pause,
    ...(spec.message !== undefined ? { comment: spec.message } : {}),
  };
  const answer = await new Promise<{ Id?: string }>((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/commit?',
        method: 'POST',
        options: { _query: query, _body: {} },
        allowEmpty: true,
        statusCodes: { 200: true, 201: true, 404: 'no such container', 409: 'conflict', 500: 'server error' },
      },
      (err, data) => (err ? reject(err) : resolve(data ?? {})),
    );
  });
  if (!answer.Id) throw new EngineError('the engine answered a commit without an image id');
  return answer.Id.startsWith('sha256:') ? answer.Id : `sha256:${answer.Id}`;
}

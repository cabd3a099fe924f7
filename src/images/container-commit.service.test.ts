import winston from 'winston';
import type { ContainerDetails } from '../engine/engine.port';
import { AppError } from '../errors';
import { MemoryContainerRegistry } from '../services/testing/memory-container.registry';
import { ContainerCommitService } from './container-commit.service';
import { FakeImportEngine } from './testing/fake-import.engine';

const ID = 'a'.repeat(64);

function container(labels: Record<string, string>): ContainerDetails {
  return {
    id: ID,
    name: 'web',
    image: 'busybox',
    imageId: 'sha256:1',
    command: [],
    state: { status: 'running', running: true, exitCode: 0 },
    created: '',
    restartCount: 0,
    restartPolicy: 'no',
    envNames: [],
    labels,
    ports: [],
    tty: false,
  };
}

describe('ContainerCommitService', () => {
  const setup = async (labels: Record<string, string>, recorded: boolean, manageAll = false) => {
    const engine = new FakeImportEngine();
    engine.containers.set(ID, container(labels));
    const registry = new MemoryContainerRegistry();
    if (recorded) await registry.add(ID);
    const service = new ContainerCommitService(engine, registry, { instance: 'berth', manageAll }, winston.createLogger({ silent: true }));
    return { engine, service };
  };
  const ours = { 'berth.managed': 'true', 'berth.instance': 'berth' };
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => (err instanceof AppError ? { code: err.code, field: err.field } : err),
    );

  it('commits a container of Berth with the changes, the message, and pause by default', async () => {
    const { engine, service } = await setup(ours, true);
    const image = await service.commit(ID, { tag: 'snap:1', message: 'm', changes: { cmd: ['cat', '/f'], labels: { team: 'a' } } });
    expect(image.tags).toEqual(['snap:1']);
    expect(engine.specs[0]).toMatchObject({ tag: 'snap:1', message: 'm', pause: true });
    expect(engine.specs[0]?.changes).toMatchObject({ cmd: ['cat', '/f'], labels: { team: 'a', 'berth.origin': 'commit', 'berth.instance': 'berth' } });
    await service.commit(ID, { tag: 'snap:2', pause: false });
    expect(engine.specs[1]).toMatchObject({ pause: false });
  });

  it.each([
    ['labelled but not in the record', ours, false],
    ['in the record under another instance', { 'berth.managed': 'true', 'berth.instance': 'other' }, true],
  ])('answers 404 for a container %s', async (_what, labels, recorded) => {
    const { engine, service } = await setup(labels, recorded);
    expect(await codeOf(service.commit(ID, { tag: 'snap:1' }))).toEqual({ code: 'not_found', field: undefined });
    expect(engine.specs).toEqual([]);
  });

  it('commits any container with manage_all', async () => {
    const { service } = await setup({}, false, true);
    expect((await service.commit(ID, { tag: 'snap:1' })).tags).toEqual(['snap:1']);
  });

  it('names the bad field before touching the container', async () => {
    const { engine, service } = await setup(ours, true);
    expect(await codeOf(service.commit(ID, { tag: 'Bad Tag' }))).toEqual({ code: 'invalid_input', field: 'tag' });
    expect(await codeOf(service.commit(ID, { tag: 'x:1', changes: { expose: ['x'] } }))).toEqual({ code: 'invalid_input', field: 'changes.expose' });
    expect(await codeOf(service.commit('../json', { tag: 'x:1' }))).toEqual({ code: 'not_found', field: undefined });
    expect(engine.specs).toEqual([]);
  });
});

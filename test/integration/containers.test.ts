import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { expectError, freePort, httpGet, uniqueName, waitForHttp } from './helpers';

describe('containers API', () => {
  let api: TestApi;
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const create = async (body: Record<string, unknown>): Promise<string> => {
    const res = await post('/api/v1/containers', body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('lists containers: 200 with a containers array', async () => {
    const res = await get('/api/v1/containers');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ containers: expect.any(Array) });
  });

  it('creates, starts, serves, stops, restarts and deletes the README example', async () => {
    const name = uniqueName(api, 'web');
    const port = await freePort();
    const created = await post('/api/v1/containers', {
      image: 'berth-test/nginx:alpine',
      name,
      ports: { [String(port)]: '80' },
      environment: { ENV: 'production' },
      restart_policy: 'unless-stopped',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), name });
    const id = created.body.id as string;

    const notRunning = await get('/api/v1/containers');
    expect(notRunning.body.containers.map((c: { id: string }) => c.id)).not.toContain(id);

    const started = await post(`/api/v1/containers/${id}/start`);
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ id, state: 'running' });
    expect((await waitForHttp(`http://127.0.0.1:${port}/`)).body).toContain('Welcome to nginx');

    const listed = await get('/api/v1/containers');
    expect(listed.status).toBe(200);
    const entry = listed.body.containers.find((c: { id: string }) => c.id === id);
    expect(entry).toEqual({
      id,
      name,
      image: 'berth-test/nginx:alpine',
      state: 'running',
      status: expect.any(String),
      created: expect.any(String),
      labels: expect.objectContaining({ 'berth.managed': 'true', 'berth.instance': api.runId }),
      ports: expect.arrayContaining([expect.objectContaining({ container_port: 80, protocol: 'tcp', host_port: port })]),
    });

    const stopped = await post(`/api/v1/containers/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toEqual({ id, state: 'exited' });
    await expect(httpGet(`http://127.0.0.1:${port}/`)).rejects.toThrow();

    const restarted = await post(`/api/v1/containers/${id}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toEqual({ id, state: 'running' });
    expect((await waitForHttp(`http://127.0.0.1:${port}/`)).status).toBe(200);

    const removed = await request(api.url).delete(`/api/v1/containers/${id}`).set(api.auth());
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expectError(await get(`/api/v1/containers/${id}`), 404, 'not_found');
    await expect(api.docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('answers start and stop on a container already in that state with its state', async () => {
    const id = await create({ image: 'berth-test/nginx:alpine', name: uniqueName(api, 'idem') });
    expect((await post(`/api/v1/containers/${id}/stop`)).body).toEqual({ id, state: 'created' });
    await post(`/api/v1/containers/${id}/start`);
    const again = await post(`/api/v1/containers/${id}/start`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id, state: 'running' });
  });

  it('refuses to delete a running container with force=false (409), removes it by default', async () => {
    const id = await create({ image: 'berth-test/nginx:alpine', name: uniqueName(api, 'force') });
    await post(`/api/v1/containers/${id}/start`);
    expectError(await request(api.url).delete(`/api/v1/containers/${id}?force=false`).set(api.auth()), 409, 'state_conflict');
    expect((await api.docker.getContainer(id).inspect()).State.Running).toBe(true);
    expect((await request(api.url).delete(`/api/v1/containers/${id}`).set(api.auth())).status).toBe(204);
  });

  it('publishes on 127.0.0.1:PORT and accepts 80/udp, both visible in inspect before and after start', async () => {
    const [tcpPort, udpPort] = [await freePort(), await freePort()];
    const id = await create({
      image: 'berth-test/nginx:alpine',
      name: uniqueName(api, 'ports'),
      ports: { [`127.0.0.1:${tcpPort}`]: '80', [String(udpPort)]: '80/udp' },
    });
    const expected = expect.arrayContaining([
      { container_port: 80, protocol: 'tcp', host_ip: '127.0.0.1', host_port: tcpPort },
      expect.objectContaining({ container_port: 80, protocol: 'udp', host_port: udpPort }),
    ]);
    expect((await get(`/api/v1/containers/${id}`)).body.ports).toEqual(expected);

    await post(`/api/v1/containers/${id}/start`);
    expect((await waitForHttp(`http://127.0.0.1:${tcpPort}/`)).body).toContain('Welcome to nginx');
    expect((await get(`/api/v1/containers/${id}`)).body.ports).toEqual(expected);
    const engineView = await api.docker.getContainer(id).inspect();
    expect(engineView.HostConfig.PortBindings).toMatchObject({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(tcpPort) }],
      '80/udp': [{ HostPort: String(udpPort) }],
    });

    await post(`/api/v1/containers/${id}/stop`);
    expect((await get(`/api/v1/containers/${id}`)).body.ports).toEqual(expected);
  });

  it('finds a container by full id, id prefix and name', async () => {
    const name = uniqueName(api, 'refs');
    const id = await create({ image: 'berth-test/nginx:alpine', name });
    for (const ref of [id, id.slice(0, 12), name]) {
      const res = await get(`/api/v1/containers/${ref}`);
      expect({ ref, status: res.status, id: res.body.id, name: res.body.name }).toEqual({ ref, status: 200, id, name });
    }
    const started = await post(`/api/v1/containers/${id.slice(0, 12)}/start`);
    expect(started.body).toEqual({ id, state: 'running' });
    const stopped = await post(`/api/v1/containers/${name}/stop`);
    expect(stopped.body).toEqual({ id, state: 'exited' });
    expect((await request(api.url).delete(`/api/v1/containers/${name}`).set(api.auth())).status).toBe(204);
    expectError(await get(`/api/v1/containers/${id}`), 404, 'not_found');
  });

  it('inspects state, image, ports, env names without values, labels, times and restart policy', async () => {
    const name = uniqueName(api, 'inspect');
    const port = await freePort();
    const id = await create({
      image: 'berth-test/nginx:alpine',
      name,
      ports: { [String(port)]: '80' },
      environment: { ENV: 'production', SECRET_TOKEN: 'hunter2-do-not-show' },
      labels: { 'app.tier': 'web' },
      restart_policy: 'on-failure:3',
    });

    const before = await get(`/api/v1/containers/${id}`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ id, name, image: 'berth-test/nginx:alpine', restart_count: 0, restart_policy: 'on-failure:3', managed: true });
    expect(before.body.state).toMatchObject({ status: 'created', running: false });
    expect(before.body.started_at).toBeUndefined();
    expect(Date.parse(before.body.created)).toBeGreaterThan(Date.now() - 10 * 60_000);

    await post(`/api/v1/containers/${id}/start`);
    const res = await get(`/api/v1/containers/${id}`);
    expect(res.body).toMatchObject({
      id,
      name,
      image: 'berth-test/nginx:alpine',
      image_id: expect.any(String),
      command: ['nginx', '-g', 'daemon off;'],
      state: { status: 'running', running: true, exit_code: 0, started_at: expect.any(String) },
      restart_count: 0,
      restart_policy: 'on-failure:3',
      labels: { 'app.tier': 'web', 'berth.managed': 'true', 'berth.instance': api.runId },
      ports: expect.arrayContaining([expect.objectContaining({ container_port: 80, protocol: 'tcp', host_port: port })]),
      managed: true,
    });
    expect(Date.parse(res.body.started_at)).toBeGreaterThanOrEqual(Date.parse(res.body.created));
    expect(res.body.env).toEqual(expect.arrayContaining(['ENV', 'SECRET_TOKEN']));
    expect(res.text).not.toContain('production');
    expect(res.text).not.toContain('hunter2-do-not-show');
  });

  it.each(['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:3'])('round-trips restart_policy %s', async (policy) => {
    const id = await create({ image: 'berth-test/busybox:latest', name: uniqueName(api, 'policy'), restart_policy: policy });
    expect((await get(`/api/v1/containers/${id}`)).body.restart_policy).toBe(policy);
    const engineView = await api.docker.getContainer(id).inspect();
    expect(engineView.HostConfig.RestartPolicy?.Name || 'no').toBe(policy.split(':')[0]);
  });

  it('passes command, labels, memory and cpus to the engine', async () => {
    const id = await create({
      image: 'berth-test/busybox:latest',
      name: uniqueName(api, 'limits'),
      command: ['sleep', '600'],
      labels: { 'app.name': 'limits', 'app.version': '1' },
      memory: '64m',
      cpus: 0.5,
    });
    const engineView = await api.docker.getContainer(id).inspect();
    expect(engineView.Config.Cmd).toEqual(['sleep', '600']);
    expect(engineView.Config.Labels).toMatchObject({ 'app.name': 'limits', 'app.version': '1', 'berth.managed': 'true' });
    expect(engineView.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(engineView.HostConfig.NanoCpus).toBe(500_000_000);
    expect((await get(`/api/v1/containers/${id}`)).body.command).toEqual(['sleep', '600']);
  });

  it('splits a string command on spaces, without a shell', async () => {
    const id = await create({ image: 'berth-test/busybox:latest', name: uniqueName(api, 'strcmd'), command: 'sleep  600' });
    expect((await api.docker.getContainer(id).inspect()).Config.Cmd).toEqual(['sleep', '600']);
  });

  it('lists stopped containers only with all=true, and filters by label', async () => {
    const group = `${api.runId}-list`;
    const a = await create({ image: 'berth-test/nginx:alpine', name: uniqueName(api, 'list-a'), labels: { 'test.group': group, 'test.role': 'a' } });
    const b = await create({ image: 'berth-test/nginx:alpine', name: uniqueName(api, 'list-b'), labels: { 'test.group': group, 'test.role': 'b' } });
    const ids = async (query: string) => {
      const res = await get(`/api/v1/containers${query}`);
      expect(res.status).toBe(200);
      return (res.body.containers as Array<{ id: string }>).map((c) => c.id).sort();
    };
    const byGroup = `label=${encodeURIComponent(`test.group=${group}`)}`;
    expect(await ids(`?${byGroup}`)).toEqual([]);
    expect(await ids(`?all=true&${byGroup}`)).toEqual([a, b].sort());
    expect(await ids(`?all=true&label=${encodeURIComponent('test.role=a')}&${byGroup}`)).toEqual([a]);
    expect(await ids(`?all=true&label=test.role&${byGroup}`)).toEqual([a, b].sort());
    expect(await ids(`?all=true&label=${encodeURIComponent(`test.group=${group}-other`)}`)).toEqual([]);

    await post(`/api/v1/containers/${b}/start`);
    expect(await ids(`?${byGroup}`)).toEqual([b]);
    expect(await ids(`?all=false&${byGroup}`)).toEqual([b]);
  });

  it('reports the runtime: config, the engine behind the socket and counts', async () => {
    const res = await get('/api/v1/runtime/info');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      runtime: api.engine,
      socket_path: api.socketPath,
      rootless: false,
      build_dir: api.config.docker.build_dir,
      engine: expect.objectContaining({
        name: api.engine,
        version: expect.any(String),
        api_version: expect.stringMatching(/^\d+\.\d+$/),
        os: 'linux',
        arch: expect.any(String),
      }),
      containers: { total: expect.any(Number), running: expect.any(Number), paused: expect.any(Number), stopped: expect.any(Number) },
      images: expect.any(Number),
    });
    const { total, running, paused, stopped } = res.body.containers as { total: number; running: number; paused: number; stopped: number };
    expect(running + paused + stopped).toBe(total);
    expect(res.body.images).toBeGreaterThanOrEqual(4);
  });
});

import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { expectError, expectNoStack, freePort, uniqueName, waitForHttp } from './helpers';

describe('error answers', () => {
  let api: TestApi;
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const createBody = (extra: Record<string, unknown> = {}) => ({ image: 'berth-test/nginx:alpine', name: uniqueName(api, 'err'), ...extra });

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  describe('400 invalid_input, naming the field', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['missing image', { name: 'x' }, 'image'],
      ['empty image', { image: '' }, 'image'],
      ['image with spaces', { image: 'nginx alpine' }, 'image'],
      ['image not a string', { image: 42 }, 'image'],
      ['name with a space', { image: 'berth-test/nginx:alpine', name: 'bad name' }, 'name'],
      ['name starting with a dash', { image: 'berth-test/nginx:alpine', name: '-web' }, 'name'],
      ['name with a slash', { image: 'berth-test/nginx:alpine', name: 'a/b' }, 'name'],
      ['host port not a number', { image: 'berth-test/nginx:alpine', ports: { abc: '80' } }, 'ports.abc'],
      ['container port too large', { image: 'berth-test/nginx:alpine', ports: { '8080': '99999' } }, 'ports.8080'],
      ['host port zero', { image: 'berth-test/nginx:alpine', ports: { '0': '80' } }, 'ports.0'],
      ['host port too large', { image: 'berth-test/nginx:alpine', ports: { '70000': '80' } }, 'ports.70000'],
      ['unknown protocol', { image: 'berth-test/nginx:alpine', ports: { '8080': '80/icmp' } }, 'ports.8080'],
      ['bad host address', { image: 'berth-test/nginx:alpine', ports: { '300.0.0.1:8080': '80' } }, 'ports.300.0.0.1:8080'],
      ['restart policy unknown', { image: 'berth-test/nginx:alpine', restart_policy: 'sometimes' }, 'restart_policy'],
      ['retries on always', { image: 'berth-test/nginx:alpine', restart_policy: 'always:3' }, 'restart_policy'],
      ['memory without a number', { image: 'berth-test/nginx:alpine', memory: 'lots' }, 'memory'],
      ['memory with a bad unit', { image: 'berth-test/nginx:alpine', memory: '64x' }, 'memory'],
      ['memory too small', { image: 'berth-test/nginx:alpine', memory: '1k' }, 'memory'],
      ['cpus zero', { image: 'berth-test/nginx:alpine', cpus: 0 }, 'cpus'],
      ['cpus negative', { image: 'berth-test/nginx:alpine', cpus: -1 }, 'cpus'],
      ['cpus as a string', { image: 'berth-test/nginx:alpine', cpus: 'half' }, 'cpus'],
      ['empty command', { image: 'berth-test/nginx:alpine', command: [] }, 'command'],
      ['blank command', { image: 'berth-test/nginx:alpine', command: '   ' }, 'command'],
      ['bad environment name', { image: 'berth-test/nginx:alpine', environment: { 'BAD NAME': 'x' } }, 'environment.BAD NAME'],
      ['environment value not a string', { image: 'berth-test/nginx:alpine', environment: { PORT: 80 } }, 'environment.PORT'],
      ['label value not a string', { image: 'berth-test/nginx:alpine', labels: { tier: 1 } }, 'labels.tier'],
      ['reserved label', { image: 'berth-test/nginx:alpine', labels: { 'berth.managed': 'true' } }, 'labels.berth.managed'],
      ['environment value with a newline', { image: 'berth-test/nginx:alpine', environment: { MOTD: 'hello\nINJECTED=1' } }, 'environment.MOTD'],
      ['environment value with an escape sequence', { image: 'berth-test/nginx:alpine', environment: { MOTD: '\u001b[2J' } }, 'environment.MOTD'],
      ['label value with a carriage return', { image: 'berth-test/nginx:alpine', labels: { tier: 'web\r' } }, 'labels.tier'],
    ])('%s', async (_what, body, field) => {
      expectError(await post('/api/v1/containers', body), 400, 'invalid_input', field);
    });

    it('rejects an unknown extra property, naming it', async () => {
      const res = await post('/api/v1/containers', { image: 'berth-test/nginx:alpine', colour: 'blue' });
      expectError(res, 400, 'invalid_input', 'colour');
      expect(res.body.error.message).toContain('colour');
    });

    it('rejects malformed JSON', async () => {
      const res = await request(api.url).post('/api/v1/containers').set(api.auth()).set('Content-Type', 'application/json').send('{"image": "nginx:alpine",');
      expectError(res, 400, 'invalid_input', 'body');
    });

    it.each([
      ['an array', '[]'],
      ['a string', '"nginx"'],
      ['null', 'null'],
      ['a number', '42'],
    ])('rejects %s as body', async (_what, raw) => {
      const res = await request(api.url).post('/api/v1/containers').set(api.auth()).set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expectNoStack(res);
    });

    it("answers a value outside a union with the allowed values, in the API's words", async () => {
      const res = await post('/api/v1/images/build', { git_repo: 'https://git.example.com/a.git', buildpack_type: 'heroku', image_tag: 'a:1' });
      expectError(res, 400, 'invalid_input', 'buildpack_type');
      expect(res.body.error.message).toBe('buildpack_type: must be one of nixpacks, static, dockerfile, docker-compose, compose; got "heroku"');
      const port = await post('/api/v1/containers', { image: 'berth-test/nginx:alpine', ports: { '8080': true } });
      expectError(port, 400, 'invalid_input', 'ports.8080');
      expect(port.body.error.message).toBe('ports.8080: must be a string or a number; got true');
      const path = await post('/api/v1/images/build', {
        git_repo: 'https://git.example.com/a.git',
        buildpack_type: 'dockerfile',
        image_tag: 'a:1',
        dockerfile_config: { dockerfile_path: 5 },
      });
      expectError(path, 400, 'invalid_input', 'dockerfile_config.dockerfile_path');
      expect(path.body.error.message).toBe('dockerfile_config.dockerfile_path: must be a string');
      for (const r of [res, port, path]) expect(r.body.error.message).not.toMatch(/union|body\.|requestBody|Issues/);
    });

    it('rejects a bad list query', async () => {
      expectError(await request(api.url).get('/api/v1/containers?all=maybe').set(api.auth()), 400, 'invalid_input', 'all');
    });

    it('creates nothing when the input is invalid', async () => {
      const name = uniqueName(api, 'invalid');
      expectError(await post('/api/v1/containers', { image: 'berth-test/nginx:alpine', name, ports: { abc: '80' } }), 400, 'invalid_input', 'ports.abc');
      await expect(api.docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });
  });

  describe('404', () => {
    it('for an unknown container, on every route', async () => {
      const ref = `${api.runId}-missing`;
      expectError(await request(api.url).get(`/api/v1/containers/${ref}`).set(api.auth()), 404, 'not_found');
      expectError(await post(`/api/v1/containers/${ref}/start`), 404, 'not_found');
      expectError(await post(`/api/v1/containers/${ref}/stop`), 404, 'not_found');
      expectError(await post(`/api/v1/containers/${ref}/restart`), 404, 'not_found');
      expectError(await request(api.url).delete(`/api/v1/containers/${ref}`).set(api.auth()), 404, 'not_found');
      const res = await request(api.url).get(`/api/v1/containers/${ref}`).set(api.auth());
      expect(res.body.error.message).toContain(ref);
    });

    it('for a syntactically valid id that does not exist', async () => {
      expectError(
        await request(api.url)
          .get(`/api/v1/containers/${'0'.repeat(64)}`)
          .set(api.auth()),
        404,
        'not_found',
      );
    });

    it('for an unknown route, in the JSON error shape', async () => {
      expectError(await request(api.url).get('/api/v1/nothing-here').set(api.auth()), 404, 'route_not_found');
      expectError(await request(api.url).get('/api/v2/containers').set(api.auth()), 404, 'route_not_found');
      expectError(await request(api.url).patch('/api/v1/nothing-here').set(api.auth()), 404, 'route_not_found');
    });
  });

  describe('405 for a method the path does not take', () => {
    it.each([
      ['put', '/api/v1/containers', 'GET, HEAD, POST'],
      ['patch', '/api/v1/containers', 'GET, HEAD, POST'],
      ['patch', '/api/v1/containers/some-name', 'DELETE, GET, HEAD'],
      ['get', '/api/v1/containers/some-name/start', 'POST'],
      ['get', '/api/v1/builds/some-id/cancel', 'POST'],
      ['put', '/api/v1/images/build', 'DELETE, GET, HEAD, POST'],
      ['post', '/api/v1/builds/some-id', 'DELETE, GET, HEAD'],
      ['post', '/api/v1/healthy', 'GET, HEAD'],
    ] as const)('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
      const res = await request(api.url)[method](path).set(api.auth());
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe(allow);
      expect(res.body.error.message).toContain(allow);
    });

    it('answers 405 before asking for a token: the routes are public in the OpenAPI document anyway', async () => {
      const res = await request(api.url).put('/api/v1/containers');
      expectError(res, 405, 'method_not_allowed');
    });

    it('with field image for an image the engine does not have', async () => {
      const res = await post('/api/v1/containers', createBody({ image: 'berth-test-missing-image:never' }));
      expectError(res, 404, 'not_found', 'image');
      expect(res.body.error.message).toContain('"berth-test-missing-image:never"');
      const unnamed = await post('/api/v1/containers', { image: 'berth-test-missing-image:never' });
      expectError(unnamed, 404, 'not_found', 'image');
    });
  });

  describe('409', () => {
    it('name_conflict for a name already taken, on both engines', async () => {
      const body = createBody();
      expect((await post('/api/v1/containers', body)).status).toBe(201);
      const res = await post('/api/v1/containers', body);
      expectError(res, 409, 'name_conflict', 'name');
      expect(res.body.error.message).toContain(body.name);
    });

    it('port_conflict for a host port another running container publishes', async () => {
      const port = await freePort();
      const first = await post('/api/v1/containers', createBody({ ports: { [String(port)]: '80' } }));
      expect(first.status).toBe(201);
      expect((await post(`/api/v1/containers/${first.body.id}/start`)).status).toBe(200);
      await waitForHttp(`http://127.0.0.1:${port}/`);

      const second = createBody({ ports: { [String(port)]: '80' } });
      expectError(await post('/api/v1/containers', second), 409, 'port_conflict', `ports.${port}`);
      await expect(api.docker.getContainer(second.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
      const sameAddress = createBody({ ports: { [`127.0.0.1:${port}`]: '8080' } });
      expectError(await post('/api/v1/containers', sameAddress), 409, 'port_conflict', `ports.127.0.0.1:${port}`);
      expect((await post('/api/v1/containers', createBody({ ports: { [String(port)]: '80/udp' } }))).status).toBe(201);
    });

    it('port_conflict when starting a container whose port was taken after it was created', async () => {
      const port = await freePort();
      const late = await post('/api/v1/containers', createBody({ ports: { [String(port)]: '80' } }));
      const early = await post('/api/v1/containers', createBody({ ports: { [String(port)]: '80' } }));
      expect([late.status, early.status]).toEqual([201, 201]);
      expect((await post(`/api/v1/containers/${early.body.id}/start`)).status).toBe(200);
      await waitForHttp(`http://127.0.0.1:${port}/`);
      const res = await post(`/api/v1/containers/${late.body.id}/start`);
      expectError(res, 409, 'port_conflict', `ports.${port}`);
      const restart = await post(`/api/v1/containers/${late.body.id}/restart`);
      expectError(restart, 409, 'port_conflict', `ports.${port}`);
      // The engine was never asked: on Podman a failed start would have cut the running one off.
      expect((await api.docker.getContainer(late.body.id).inspect()).State.Status).toBe('created');
      expect((await api.docker.getContainer(early.body.id).inspect()).State.Running).toBe(true);
      await waitForHttp(`http://127.0.0.1:${port}/`, 5000);
      // Once the port is free again, the late one starts.
      expect((await post(`/api/v1/containers/${early.body.id}/stop`)).status).toBe(200);
      expect((await post(`/api/v1/containers/${late.body.id}/start`)).body).toEqual({ id: late.body.id, state: 'running' });
      await waitForHttp(`http://127.0.0.1:${port}/`);
    });
  });

  describe('413 and 415', () => {
    let small: TestApi;
    beforeAll(async () => {
      small = await startTestApi({ server: { body_limit_bytes: 1024 } });
    });
    afterAll(async () => {
      await small?.close();
    });

    it('413 payload_too_large for a body over server.body_limit_bytes', async () => {
      const res = await request(small.url)
        .post('/api/v1/containers')
        .set(small.auth())
        .send({ image: 'berth-test/nginx:alpine', environment: { BIG: 'x'.repeat(4096) } });
      expectError(res, 413, 'payload_too_large');
    });

    it('accepts a body under the limit', async () => {
      const res = await request(small.url)
        .post('/api/v1/containers')
        .set(small.auth())
        .send({ image: 'berth-test/nginx:alpine', environment: { SMALL: 'x' } });
      expect(res.status).toBe(201);
    });

    it('415 unsupported_media_type for a text/plain body', async () => {
      const res = await request(api.url).post('/api/v1/containers').set(api.auth()).set('Content-Type', 'text/plain').send('image=nginx:alpine');
      expectError(res, 415, 'unsupported_media_type');
    });

    it('415 for a form body', async () => {
      const res = await request(api.url).post('/api/v1/containers').set(api.auth()).type('form').send({ image: 'berth-test/nginx:alpine' });
      expectError(res, 415, 'unsupported_media_type');
    });
  });

  describe('never a 500, never a stack trace', () => {
    const odd: Array<[string, string, (string | object)?]> = [
      ['get', '/api/v1/containers/%2E%2E'],
      ['get', '/api/v1/containers/..%2Fjson'],
      ['get', '/api/v1/containers/a%3Fb'],
      ['get', '/api/v1/containers/%20'],
      ['get', `/api/v1/containers/${'a'.repeat(300)}`],
      ['get', '/api/v1/containers/%E2%9C%93'],
      ['get', '/api/v1/containers/%00'],
      ['post', '/api/v1/containers/%2E%2E/start'],
      ['get', '/api/v1/containers/x/logs?tail=-1'],
      ['get', '/api/v1/containers?label=%00'],
      ['get', '/api/v1/containers?label[a]=b'],
      ['get', '/api/v1/containers?all[]=true'],
      ['post', '/api/v1/containers', { image: 'NGINX:ALPINE' }],
      ['post', '/api/v1/containers', { image: 'nginx:alpine@sha256:bad' }],
      ['post', '/api/v1/containers', { image: '::' }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', ports: { '[::1]:x': '80' } }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', memory: '99999999999g' }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', cpus: 1e9 }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', command: ['a\u0000b'] }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', environment: { A: 'a\u0000b' } }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', restart_policy: 'on-failure:99999' }],
      ['post', '/api/v1/containers', { image: 'berth-test/nginx:alpine', name: 'x'.repeat(129) }],
    ];

    // Rest parameters: a declared third parameter would make jest pass `done` for two-element rows.
    it.each(odd)('%s %s', async (...[method, path, body]) => {
      const req = method === 'post' ? request(api.url).post(path).set(api.auth()).send(body) : request(api.url).get(path).set(api.auth());
      const res = await req;
      expect(res.status).not.toBe(500);
      expectNoStack(res);
      if (res.status >= 400) expect(Object.keys(res.body)).toEqual(['error']);
    });

    it('a start that fails inside the engine (missing executable) answers an error body, not 500', async () => {
      const created = await post('/api/v1/containers', createBody({ image: 'berth-test/busybox:latest', command: ['/no/such/binary'] }));
      expect(created.status).toBe(201);
      const res = await post(`/api/v1/containers/${created.body.id}/start`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).not.toBe(500);
      expect(Object.keys(res.body)).toEqual(['error']);
      expectNoStack(res);
    });

    it("uppercase image references are the client's fault on both engines (400)", async () => {
      expectError(await post('/api/v1/containers', { image: 'NGINX:ALPINE' }), 400, 'invalid_input', 'image');
    });
  });
});

import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { expectError, parseEvents, readText, uniqueName, waitForState } from './helpers';

/** The user's example: two lines on stdout around one on stderr. */
const SCRIPT = ['sh', '-c', 'echo one; echo two >&2; echo three'];

describe('container logs', () => {
  let api: TestApi;
  let id: string;
  const get = (path: string) => request(api.url).get(path).set(api.auth());

  const runToEnd = async (command: string[]): Promise<string> => {
    const created = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: 'berth-test/busybox:latest', name: uniqueName(api, 'logs'), command });
    expect(created.status).toBe(201);
    const started = await request(api.url).post(`/api/v1/containers/${created.body.id}/start`).set(api.auth());
    expect(started.status).toBe(200);
    await waitForState(api, created.body.id, 'exited');
    return created.body.id as string;
  };

  beforeAll(async () => {
    api = await startTestApi();
    id = await runToEnd(SCRIPT);
  });
  afterAll(async () => {
    await api.close();
  });

  it('returns every line with the stream it came from', async () => {
    const res = await get(`/api/v1/containers/${id}/logs`);
    expect(res.status).toBe(200);
    expect(res.body.lines).toHaveLength(3);
    expect(res.body.lines).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', text: 'one' },
        { stream: 'stderr', text: 'two' },
        { stream: 'stdout', text: 'three' },
      ]),
    );
    const stdout = (res.body.lines as Array<{ stream: string; text: string }>).filter((l) => l.stream === 'stdout');
    expect(stdout.map((l) => l.text)).toEqual(['one', 'three']);
  });

  it('keeps only the last lines with tail', async () => {
    // stdout and stderr are separate pipes: the engine's order between them is its own.
    const all = (await get(`/api/v1/containers/${id}/logs?tail=all`)).body.lines as unknown[];
    expect(all).toHaveLength(3);
    const res = await get(`/api/v1/containers/${id}/logs?tail=1`);
    expect(res.status).toBe(200);
    expect(res.body.lines).toEqual(all.slice(-1));
    expect((await get(`/api/v1/containers/${id}/logs?tail=2`)).body.lines).toEqual(all.slice(-2));
    expect((await get(`/api/v1/containers/${id}/logs?tail=0`)).body.lines).toEqual([]);
  });

  it('adds an RFC 3339 timestamp field with timestamps=true', async () => {
    const res = await get(`/api/v1/containers/${id}/logs?timestamps=true`);
    expect(res.status).toBe(200);
    expect(res.body.lines).toHaveLength(3);
    for (const line of res.body.lines as Array<{ stream: string; text: string; timestamp?: string }>) {
      expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
      expect(Math.abs(Date.parse(line.timestamp ?? '') - Date.now())).toBeLessThan(10 * 60_000);
      expect(['one', 'two', 'three']).toContain(line.text);
    }
  });

  it('filters by since', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect((await get(`/api/v1/containers/${id}/logs?since=${future}`)).body.lines).toEqual([]);
    expect((await get(`/api/v1/containers/${id}/logs?since=1h`)).body.lines).toHaveLength(3);
  });

  it('rejects a bad tail or since (400 naming the field)', async () => {
    expectError(await get(`/api/v1/containers/${id}/logs?tail=lots`), 400, 'invalid_input', 'tail');
    expectError(await get(`/api/v1/containers/${id}/logs?since=yesterday`), 400, 'invalid_input', 'since');
  });

  it('answers 404 for the logs of an unknown container', async () => {
    expectError(await get(`/api/v1/containers/${api.runId}-no-such-container/logs`), 404, 'not_found');
  });

  it('streams Server-Sent Events with follow=true until the container exits', async () => {
    const created = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: 'berth-test/busybox:latest', name: uniqueName(api, 'follow'), command: ['sh', '-c', 'echo first; sleep 2; echo second >&2; exit 3'] });
    const followId = created.body.id as string;
    await request(api.url).post(`/api/v1/containers/${followId}/start`).set(api.auth()).expect(200);

    const res = await get(`/api/v1/containers/${followId}/logs?follow=true`).buffer(true).parse(readText);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const text = res.body as string;
    expect(text).toMatch(/^event: log$/m);
    const events = parseEvents(text);
    expect(events.filter((e) => e.event === 'log').map((e) => e.data)).toEqual([
      { stream: 'stdout', text: 'first' },
      { stream: 'stderr', text: 'second' },
    ]);
    expect(events[events.length - 1]).toEqual({ event: 'end', data: { state: 'exited', exit_code: 3 } });
    expect(events.filter((e) => e.event === 'end')).toHaveLength(1);
  });

  it('ends a follow of a container that already exited with its lines and an end event', async () => {
    const last = (await get(`/api/v1/containers/${id}/logs?tail=1`)).body.lines as unknown[];
    const res = await get(`/api/v1/containers/${id}/logs?follow=true&tail=1`).buffer(true).parse(readText);
    expect(res.status).toBe(200);
    expect(parseEvents(res.body as string)).toEqual([
      { event: 'log', data: last[0] },
      { event: 'end', data: { state: 'exited', exit_code: 0 } },
    ]);
  });
});

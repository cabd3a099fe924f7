import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { expectError } from './helpers';
import {
  buildLog,
  closeBuildApi,
  closeWorkers,
  dockerfileBuild,
  followBuildLog,
  imageExists,
  nonce,
  submitBuild,
  waitForBuild,
  type ReceivedEvent,
} from './build-helpers';

const GIT = { allowed_hosts: ['127.0.0.1'] };

describe('build logs', () => {
  let api: TestApi;
  let git: GitServer;
  const workers: BuildWorker[] = [];
  const logLines = (events: ReceivedEvent[]) => events.filter((e) => e.event === 'log');

  beforeAll(async () => {
    api = await startTestApi({ git: GIT });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    await closeBuildApi(api);
    await git.close();
  });

  it('streams a running build over SSE, ends with the status, and resumes after Last-Event-ID', async () => {
    const word = nonce();
    const { url, commit } = git.push(`${api.runId}-follow`, {
      Dockerfile: `FROM berth-test/busybox:latest\nRUN echo ${word}-first; sleep 5; echo ${word}-second\n`,
    });
    const { id } = await submitBuild(api, dockerfileBuild(url, `${api.runId}-follow:1`, { no_cache: true }));

    // One client stays to the end; another goes away after the first line and comes back.
    const whole = followBuildLog(api, id);
    const dropped = await followBuildLog(api, id, { stopWhen: (events) => events.some((e) => (e.data as { text?: string })?.text === `${word}-first`) });
    const lastSeen = dropped.events.at(-1)?.id;
    expect(lastSeen).toMatch(/^\d+$/);
    const resumed = await followBuildLog(api, id, { lastEventId: lastSeen });
    const full = await whole;

    expect(full.status).toBe(200);
    expect(full.contentType).toMatch(/^text\/event-stream/);
    const lines = logLines(full.events);
    expect(full.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded' } });
    expect(full.events.filter((e) => e.event === 'end')).toHaveLength(1);
    expect(lines.map((e) => e.id)).toEqual(lines.map((_, i) => String(i)));
    expect(lines.map((e) => (e.data as { seq: number }).seq)).toEqual(lines.map((_, i) => i));

    // Live: the first line arrived while the step was still sleeping.
    const first = lines.find((e) => (e.data as { text: string }).text === `${word}-first`);
    const second = lines.find((e) => (e.data as { text: string }).text === `${word}-second`);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3_500);
    expect((full.events.at(-1)?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3_500);

    // The resumed stream starts right after the last line seen: nothing repeated, nothing lost.
    const resumedLines = logLines(resumed.events);
    expect(resumedLines[0]?.id).toBe(String(Number(lastSeen) + 1));
    expect([...logLines(dropped.events), ...resumedLines].map((e) => e.id)).toEqual(lines.map((e) => e.id));
    expect(resumed.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded' } });

    // The JSON form holds the same lines.
    const log = await buildLog(api, id);
    expect(log).toMatchObject({ build_id: id, status: 'succeeded', truncated: false });
    expect(log.lines).toEqual(lines.map((e) => e.data));
    for (const line of log.lines) expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    const texts = log.lines.map((l) => l.text);
    expect(texts[0]).toBe(`[berth] cloning ${url} (the default branch)`);
    expect(texts).toContain(`[berth] checked out ${commit}`);
    expect(texts).toContain('[plan] dockerfile: Dockerfile');
    expect(texts.at(-1)).toMatch(new RegExp(`^\\[berth\\] build succeeded: ${api.runId}-follow:1 \\(sha256:`));

    // After the end: a reconnect at the last line gets only the end event; a bad id starts over.
    const atEnd = await followBuildLog(api, id, { lastEventId: String(log.lines.length - 1) });
    expect(atEnd.events.map((e) => e.event)).toEqual(['end']);
    const fromStart = await followBuildLog(api, id, { lastEventId: 'not-a-number' });
    expect(logLines(fromStart.events).map((e) => e.data)).toEqual(log.lines);
  }, 120_000);

  it('ends the stream of a failed build with its status and error', async () => {
    const { url } = git.push(`${api.runId}-follow-fail`, { Dockerfile: 'FROM berth-test/busybox:latest\nRUN echo about to fail; exit 7\n' });
    const { id } = await submitBuild(api, dockerfileBuild(url, `${api.runId}-follow-fail:1`));
    const { events } = await followBuildLog(api, id);
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'failed', error: { code: 'build_failed', message: expect.any(String) } } });
    const texts = logLines(events).map((e) => (e.data as { text: string }).text);
    expect(texts).toContain('about to fail');
    expect(texts.at(-1)).toBe(`[berth] build failed: ${(events.at(-1)?.data as { error: { message: string } }).error.message}`);
  }, 120_000);

  it('answers 404 in JSON, not an event stream, for an unknown build', async () => {
    for (const path of ['/api/v1/builds/no-such-build/logs', '/api/v1/builds/no-such-build/logs?follow=true']) {
      expectError(await request(api.url).get(path).set(api.auth()), 404, 'not_found');
    }
  });

  it('caps a build log at [build] log_max_bytes with a notice; the build still succeeds', async () => {
    const capped = await startTestApi({ git: GIT, build: { log_max_bytes: 2_000 } });
    const cappedWorkers: BuildWorker[] = [await startTestWorker(capped.config)];
    try {
      const word = nonce();
      const { url } = git.push(`${capped.runId}-chatty`, { Dockerfile: `FROM berth-test/busybox:latest\nRUN for i in $(seq 1 400); do echo ${word} line $i; done\n` });
      const tag = `${capped.runId}-chatty:1`;
      const { id } = await submitBuild(capped, dockerfileBuild(url, tag, { no_cache: true }));
      const done = await waitForBuild(capped, id, ['succeeded', 'failed', 'cancelled']);
      expect(done).toMatchObject({ status: 'succeeded', image_id: expect.stringMatching(/^sha256:/) });
      expect(await imageExists(capped, tag)).toBe(true);

      const log = await buildLog(capped, id);
      expect(log).toMatchObject({ status: 'succeeded', truncated: true });
      const texts = log.lines.map((l) => l.text);
      expect(texts.at(-1)).toBe('[berth] log truncated: it exceeded 2000 bytes; the build goes on');
      expect(texts.filter((t) => t.includes('log truncated'))).toHaveLength(1);
      expect(texts).not.toContain(`${word} line 400`);
      // The cap counts stored bytes (time and text as JSON), so the text kept is below it.
      const kept = texts.slice(0, -1).reduce((sum, t) => sum + Buffer.byteLength(t), 0);
      expect(kept).toBeLessThanOrEqual(2_000);
      expect(kept).toBeGreaterThan(500);

      const { events } = await followBuildLog(capped, id);
      expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded' } });
      expect(logLines(events).map((e) => e.data)).toEqual(log.lines);
    } finally {
      await closeWorkers(cappedWorkers);
      await closeBuildApi(capped);
    }
  }, 120_000);
});

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { openView, requireBuiltDashboard, signIn, startBrowser, type TestBrowser } from '../support/browser';
import { copyImage, startDockerd, type TestDockerd } from '../support/dockerd-node';
import { REDIS_URL, SOCKETS } from '../support/engines';
import { poll, suiteLabels, uniqueName } from './helpers';

const IMAGE = 'berth-test/busybox:latest';

/** Where the screenshots go: `DASHBOARD_SCREENSHOTS=docs/screenshots` refreshes the committed ones. */
const SHOTS = process.env.DASHBOARD_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'berth-shots-'));

interface ApiNode {
  name: string;
  runtime: string;
  host: string;
  reachable: boolean;
  error?: { message: string };
  hostname: string;
  os: string;
  kernel: string;
  engine: string;
  engine_version: string;
  cpus: number;
  containers: number;
  images: number;
}

/**
 * The dashboard's Nodes view and node picker in a real browser against an API with two nodes:
 * `local` (this project's engine) and `second`, a dockerd of the test's own on its unix socket.
 */
describe('dashboard with two nodes, in a browser', () => {
  let api: TestApi;
  let second: TestDockerd;
  let b: TestBrowser;
  let page: Page;
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const card = (node: string) => page.getByRole('article', { name: `Node ${node}` });
  const picker = () => page.getByLabel('Node', { exact: true });
  /** A card's facts as shown: term → definition. */
  const factsOf = async (tile: Locator) => {
    const [terms, values] = [await tile.locator('dt').allTextContents(), await tile.locator('dd').allTextContents()];
    return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
  };

  beforeAll(async () => {
    requireBuiltDashboard();
    mkdirSync(SHOTS, { recursive: true });
    second = await startDockerd();
    await copyImage(new Docker({ socketPath: SOCKETS.docker }), second.docker, IMAGE);
    api = await startTestApi({ nodes: [{ name: 'second', host: `unix://${second.socketPath}`, timeout_seconds: 5 }] } as never);
    await poll('both nodes reachable', async () => ((await get('/api/v1/nodes')).body.nodes as ApiNode[]).every((n) => n.reachable) || undefined, 60_000, 250);
    b = await startBrowser();
    page = b.page;
    page.setDefaultTimeout(60_000);
    await signIn(page, api.url, api.token);
  });

  afterAll(async () => {
    await b?.close();
    await api?.close();
    if (api) await forgetNodeRecord(`${api.config.redis.prefix}:containers:${api.config.server.instance}:node:second`);
    await second?.remove();
  });

  afterEach(() => {
    if (b?.pageErrors.length) process.stderr.write(`page errors:\n${b.pageErrors.join('\n')}\n`);
    if (b) b.pageErrors.length = 0;
  });

  it('shows a card per node with the facts its engine reports, and offers both in the picker', async () => {
    const listed = (await get('/api/v1/nodes')).body.nodes as ApiNode[];
    expect(listed.map((n) => n.name)).toEqual(['local', 'second']);
    await openView(page, 'Nodes');
    for (const n of listed) {
      await page.locator(`article[aria-label="Node ${n.name}"][data-reachable="true"]`).waitFor();
      expect(await card(n.name).locator('.badge').textContent()).toBe('reachable');
      const facts = await factsOf(card(n.name));
      expect(facts).toMatchObject({
        Runtime: n.runtime,
        Host: n.host,
        Hostname: n.hostname,
        OS: n.os,
        Kernel: n.kernel,
        Engine: `${n.engine} ${n.engine_version}`,
        CPUs: String(n.cpus),
        Memory: expect.stringMatching(/^\d+(\.\d)? (MiB|GiB|TiB)$/),
        // The machine's engine is shared with other tests: its counts move.
        Containers: n.name === 'local' ? expect.stringMatching(/^\d+$/) : '0',
        Images: n.name === 'local' ? expect.stringMatching(/^\d+$/) : '1',
        'Last seen': expect.stringMatching(/\d/),
      });
      expect(await card(n.name).getByRole('alert').count()).toBe(0);
    }
    expect(await picker().locator('option').allTextContents()).toEqual(['local', 'second']);
    await page.screenshot({ path: join(SHOTS, 'nodes.png'), fullPage: true });
  });

  it("picks the second node: the Containers view shows that node's containers only, and starts and stops them there", async () => {
    const remote = uniqueName(api, 'remote');
    const local = uniqueName(api, 'local');
    const made = await post('/api/v1/nodes/second/containers', { image: IMAGE, name: remote, command: ['sleep', '600'], init: true });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    expect((await post('/api/v1/containers', { image: IMAGE, name: local, command: ['sleep', '600'], init: true, labels: suiteLabels(api) })).status).toBe(201);

    await card('second').getByRole('button', { name: 'Show node second' }).click();
    expect(await picker().inputValue()).toBe('second');
    expect(await card('second').getByRole('button', { name: 'Show node second' }).getAttribute('aria-pressed')).toBe('true');
    await openView(page, 'Containers');
    await page.getByRole('region', { name: 'Containers on second' }).waitFor();
    const tile = page.getByRole('article', { name: `Container ${remote}` });
    await tile.waitFor();
    expect(await page.getByRole('article', { name: `Container ${local}` }).count()).toBe(0);

    await tile.getByRole('button', { name: `Start ${remote}`, exact: true }).click();
    await page.locator(`article[aria-label="Container ${remote}"][data-state="running"]`).waitFor();
    expect((await get(`/api/v1/nodes/second/containers/${id}`)).body.state.status).toBe('running');
    expect((await get(`/api/v1/containers/${id}`)).status).toBe(404);
    await tile.getByRole('button', { name: `Stop ${remote}`, exact: true }).click();
    await page.locator(`article[aria-label="Container ${remote}"][data-state="exited"]`).waitFor();
    expect((await get(`/api/v1/nodes/second/containers/${id}`)).body.state.status).toBe('exited');

    await picker().selectOption('local');
    await page.getByRole('article', { name: `Container ${local}` }).waitFor();
    expect(await tile.count()).toBe(0);
    await picker().selectOption('second');
    await tile.waitFor();
  });

  it("shows a stopped node's card unreachable with the API's error, while local's views keep working", async () => {
    await second.stop();
    // The Containers view still shows `second`: its next read is the API's 503, shown in its words.
    await poll(
      'the 503 of the stopped node shown as the API words it',
      async () => {
        const res = await get('/api/v1/nodes/second/containers');
        const shown = await page.getByRole('region', { name: 'Containers on second' }).getByRole('alert').allTextContents();
        return res.status === 503 && shown.includes(res.body.error.message) ? true : undefined;
      },
      60_000,
      500,
    );
    expect((await get('/api/v1/nodes/second/containers')).body.error.message).toContain('node "second"');

    await openView(page, 'Nodes');
    await page.locator('article[aria-label="Node second"][data-reachable="false"]').waitFor();
    expect(await card('second').locator('.badge').textContent()).toBe('unreachable');
    await poll(
      "the node's error shown as the API words it",
      async () => {
        const res = await get('/api/v1/nodes/second');
        const shown = await card('second').getByRole('alert').allTextContents();
        return res.body.reachable === false && shown.includes(res.body.error.message) ? true : undefined;
      },
      60_000,
      500,
    );
    await page.locator('article[aria-label="Node local"][data-reachable="true"]').waitFor();

    await picker().selectOption('local');
    await openView(page, 'Containers');
    await page
      .getByRole('region', { name: 'Containers on local' })
      .getByRole('article', { name: new RegExp(`^Container ${api.runId}-local-`) })
      .waitFor();
    expect(await page.getByRole('main').getByRole('alert').count()).toBe(0);
    // This Berth made no image on local: the view's read of the plain route answers, and no error shows.
    const images = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/images');
    await openView(page, 'Images');
    expect((await images).status()).toBe(200);
    await page.getByRole('region', { name: 'Images on local' }).getByRole('table', { name: 'Images' }).waitFor();
    expect(await page.getByRole('main').getByRole('alert').count()).toBe(0);
  });
});

/** The API's record of the containers it made on `second` (the daemon's data goes with it). */
async function forgetNodeRecord(key: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
}

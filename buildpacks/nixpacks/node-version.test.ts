import type { BuildpackSettings, PlanRequest } from '../plan';
import { MemoryWorkspace } from '../testing/memory-workspace';
import { planErrorOf } from '../testing/plan-error';
import { testSettings } from '../testing/settings';
import { nixpacksBuildpack } from './nixpacks.buildpack';
import { chooseNodeImage, plainImageMajor, requestedNodeVersion } from './node-version';
import type { NodeVersionRequest } from './node-version';

function asked(files: Record<string, string>, engines?: unknown, variables: Record<string, string> = {}) {
  return requestedNodeVersion(new MemoryWorkspace(files), engines, variables);
}

function settingsWith(node: string, nodeImages?: BuildpackSettings['nodeImages']): BuildpackSettings {
  const base = testSettings();
  return { ...base, images: { ...base.images, node }, ...(nodeImages ? { nodeImages } : {}) };
}

const TEMPLATE = settingsWith('node:{major}-bookworm-slim');
const engines = (value: string): NodeVersionRequest => ({ value, source: 'package.json engines.node' });

describe('requestedNodeVersion (Nixpacks order)', () => {
  const all = { '.nvmrc': '16', '.node-version': '14' };

  it('takes NIXPACKS_NODE_VERSION first, without newlines', () => {
    expect(asked(all, { node: '20' }, { NIXPACKS_NODE_VERSION: '22\n' })).toEqual({ value: '22', source: 'NIXPACKS_NODE_VERSION' });
  });

  it('then engines.node, then .nvmrc, then .node-version', () => {
    expect(asked(all, { node: '>=20' })).toEqual({ value: '>=20', source: 'package.json engines.node' });
    expect(asked(all, { npm: '10' })).toEqual({ value: '16', source: '.nvmrc' });
    expect(asked({ '.node-version': 'v20.11.0\n' })).toEqual({ value: '20.11.0', source: '.node-version' });
    expect(asked({})).toBeUndefined();
  });

  it('ignores an engines.node that is not a string', () => {
    expect(asked({ '.nvmrc': '18' }, { node: 20 })).toEqual({ value: '18', source: '.nvmrc' });
    expect(asked({}, 'node 20')).toBeUndefined();
  });

  it('maps lts aliases and drops a leading v in .nvmrc', () => {
    expect(asked({ '.nvmrc': 'lts/*\n' })?.value).toBe('22');
    expect(asked({ '.nvmrc': 'lts/iron' })?.value).toBe('20');
    expect(asked({ '.nvmrc': 'lts/hydrogen' })?.value).toBe('18');
    expect(asked({ '.nvmrc': 'v20.11.0' })?.value).toBe('20.11.0');
    expect(asked({ '.nvmrc': '20' })?.value).toBe('20');
  });
});

describe('chooseNodeImage', () => {
  it.each([
    ['>=18 <21', 20],
    ['^22', 22],
    ['20.x', 20],
    ['20.11.0', 20],
    ['>=16', 22],
    ['~18.17', 18],
    ['14 || 16', 16],
  ])('picks the newest LTS major a template provides for %s', (range, major) => {
    const choice = chooseNodeImage(engines(range), TEMPLATE);
    expect(choice).toMatchObject({ major, image: `node:${major}-bookworm-slim`, key: 'node_image' });
  });

  it("uses Nixpacks' default 18 when nothing or * is asked", () => {
    expect(chooseNodeImage(undefined, TEMPLATE)).toEqual({ major: 18, image: 'node:18-bookworm-slim', key: 'node_image' });
    expect(chooseNodeImage(engines('*'), TEMPLATE)).toMatchObject({ major: 18, asked: engines('*') });
  });

  it('uses the default for an unreadable version, with a warning', () => {
    const choice = chooseNodeImage(engines('banana'), TEMPLATE);
    expect(choice).toMatchObject({ major: 18, image: 'node:18-bookworm-slim' });
    expect(choice.warning).toContain('"banana" (package.json engines.node) is not a version range');
  });

  it('builds on the single plain image when nothing is asked, whatever its major', () => {
    expect(chooseNodeImage(undefined, settingsWith('berth-test/node:20'))).toEqual({ major: 20, image: 'berth-test/node:20', key: 'node_image' });
  });

  it('prefers node_images entries, and falls back to node_image for other majors', () => {
    const settings = settingsWith('node:20-alpine', { images: { '22': 'mirror/node22:latest', '23': 'mirror/node23' } });
    expect(chooseNodeImage(engines('>=20'), settings)).toMatchObject({ major: 22, image: 'mirror/node22:latest', key: 'node_images."22"' });
    expect(chooseNodeImage(engines('^20.5'), settings)).toMatchObject({ major: 20, image: 'node:20-alpine', key: 'node_image' });
    expect(chooseNodeImage(engines('23'), settings)).toMatchObject({ major: 23, image: 'mirror/node23' });
  });

  it('refuses a range that excludes the plain image, naming the key to set', () => {
    const error = planErrorOf(() => chooseNodeImage(engines('^22'), settingsWith('node:20-alpine')));
    expect(error.message).toContain('asks for Node "^22" (package.json engines.node)');
    expect(error.message).toContain('configured: Node 20');
    expect(error.message).toContain('node_images = { "22" = "<image>" }');
    expect(error.field).toBe('buildpacks.node_images');
  });

  it('refuses a range no template major overlaps', () => {
    expect(planErrorOf(() => chooseNodeImage(engines('>=24'), TEMPLATE)).message).toContain('node_images = { "24" = "<image>" }');
  });
});

describe('plainImageMajor', () => {
  it.each([
    ['node:20-alpine', undefined, 20],
    ['berth-test/node:20', undefined, 20],
    ['registry.local:5000/library/node:22.1-slim@sha256:abc', undefined, 22],
    ['node:lts-alpine', undefined, 18],
    ['company/base:3', undefined, 18],
    ['company/base:3', 20, 20],
  ])('%s with node_image_major %s is Node %s', (image, imageMajor, major) => {
    expect(plainImageMajor(settingsWith(image, { images: {}, ...(imageMajor !== undefined ? { imageMajor } : {}) }))).toBe(major);
  });
});

describe('the node plan', () => {
  const app = { 'package.json': JSON.stringify({ scripts: { start: 'node main.js' }, engines: { node: '>=18 <21' } }), 'main.js': '' };
  const request = (variables?: Record<string, string>): PlanRequest => ({
    buildpackType: 'nixpacks',
    imageTag: 'app:1',
    env: {},
    ...(variables ? { nixpacks: { variables } } : {}),
  });

  it('states the version asked, where from, and the image used', () => {
    const plan = nixpacksBuildpack(new MemoryWorkspace(app), request(), TEMPLATE);
    expect(plan.summary).toContain('node: 20 on node:20-bookworm-slim (node_image), asked ">=18 <21" in package.json engines.node');
    expect(plan.details['node']).toMatchObject({ major: 20, image: 'node:20-bookworm-slim', asked: engines('>=18 <21') });
    expect(plan.images[0]?.files['.berth/Dockerfile']).toContain('FROM node:20-bookworm-slim');
  });

  it('reads NIXPACKS_NODE_VERSION from the variables and does not list it as ignored', () => {
    const plan = nixpacksBuildpack(new MemoryWorkspace(app), request({ NIXPACKS_NODE_VERSION: '22' }), TEMPLATE);
    expect(plan.summary).toContain('node: 22 on node:22-bookworm-slim (node_image), asked "22" in NIXPACKS_NODE_VERSION');
    expect(plan.details['ignored']).toEqual([]);
  });

  it('refuses at plan time a major that is not configured', () => {
    const nvmrcApp = { 'package.json': '{"scripts":{"start":"node main.js"}}', '.nvmrc': 'lts/*' };
    const error = planErrorOf(() => nixpacksBuildpack(new MemoryWorkspace(nvmrcApp), request(), settingsWith('berth-test/node:20')));
    expect(error.message).toContain('asks for Node "22" (.nvmrc)');
    expect(error.message).toContain('[buildpacks] node_images');
  });
});

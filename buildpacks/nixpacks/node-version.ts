import semver from 'semver';
import type { BuildpackSettings, Workspace } from '../plan';
import { PlanError } from '../plan';

/** Nixpacks' Node when an app asks for none, asks for `*`, or asks for something unreadable. */
export const NIXPACKS_DEFAULT_NODE_MAJOR = 18;
/** The LTS majors Nixpacks can install, newest first: what a `{major}` node_image template offers. */
export const TEMPLATE_NODE_MAJORS: readonly number[] = [22, 20, 18, 16, 14];
/** Placeholder of a node_image template, e.g. `node:{major}-bookworm-slim`. */
export const MAJOR_PLACEHOLDER = '{major}';

/** The `lts/<name>` aliases of .nvmrc, as Nixpacks maps them. */
const NVM_LTS: Record<string, number> = {
  'lts/*': 22,
  'lts/jod': 22,
  'lts/iron': 20,
  'lts/hydrogen': 18,
  'lts/gallium': 16,
  'lts/fermium': 14,
  'lts/erbium': 12,
  'lts/dubnium': 10,
  'lts/carbon': 8,
  'lts/boron': 6,
  'lts/argon': 4,
};

/** The Node version an app asks for, and where it asked. */
export interface NodeVersionRequest {
  value: string;
  source: 'NIXPACKS_NODE_VERSION' | 'package.json engines.node' | '.nvmrc' | '.node-version';
}

/** The base image a Node app is built on, and why. */
export interface NodeImageChoice {
  major: number;
  image: string;
  /** The `[buildpacks]` key that configured the image. */
  key: string;
  asked?: NodeVersionRequest;
  /** Set when the asked version is unreadable and Nixpacks' default applies instead. */
  warning?: string;
}

/**
 * Nixpacks' order, first found wins: the NIXPACKS_NODE_VERSION variable, package.json
 * `engines.node`, .nvmrc (`lts/*`, `lts/<name>`, a leading `v` dropped), then .node-version
 * (every `v` dropped, as Nixpacks does).
 */
export function requestedNodeVersion(workspace: Workspace, engines: unknown, variables: Record<string, string>): NodeVersionRequest | undefined {
  const fromVariable = variables['NIXPACKS_NODE_VERSION'];
  if (fromVariable !== undefined) return { value: fromVariable.replace(/\n/g, ''), source: 'NIXPACKS_NODE_VERSION' };
  const fromEngines = typeof engines === 'object' && engines !== null ? (engines as Record<string, unknown>)['node'] : undefined;
  if (typeof fromEngines === 'string') return { value: fromEngines, source: 'package.json engines.node' };
  const nvmrc = workspace.readFile('.nvmrc');
  if (nvmrc !== undefined) return { value: parseNvmrc(nvmrc), source: '.nvmrc' };
  const nodeVersion = workspace.readFile('.node-version');
  if (nodeVersion !== undefined) return { value: nodeVersion.trim().replace(/v/g, ''), source: '.node-version' };
  return undefined;
}

function parseNvmrc(text: string): string {
  const trimmed = text.trim();
  const lts = NVM_LTS[trimmed];
  if (lts !== undefined) return String(lts);
  return trimmed.startsWith('v') ? trimmed.slice(1) : trimmed;
}

interface Candidate {
  image: string;
  key: string;
}

/**
 * Picks the image as Nixpacks picks a Node package: the newest LTS (even) major whose `N.x`
 * overlaps the asked range, then an odd one, among the majors the configuration provides. Unlike
 * Nixpacks, a range no configured image overlaps is refused rather than built on the default.
 */
export function chooseNodeImage(asked: NodeVersionRequest | undefined, settings: BuildpackSettings): NodeImageChoice {
  const candidates = configuredNodeImages(settings);
  const range = asked === undefined || asked.value.trim() === '*' ? undefined : semver.validRange(asked.value);
  if (range === undefined || range === null) {
    const choice = defaultChoice(candidates, settings);
    if (asked === undefined) return choice;
    const warning =
      range === null ? `${shown(asked.value)} (${asked.source}) is not a version range; Nixpacks' default Node ${NIXPACKS_DEFAULT_NODE_MAJOR} applies` : undefined;
    return { ...choice, asked, ...(warning !== undefined ? { warning } : {}) };
  }
  const majors = [...candidates.keys()].sort((a, b) => (a % 2) - (b % 2) || b - a);
  const major = majors.find((candidate) => semver.intersects(`${candidate}.x`, range));
  if (major === undefined) throw unconfigured(asked as NodeVersionRequest, range, majors);
  const { image, key } = candidates.get(major) as Candidate;
  return { major, image, key, asked };
}

/** Majors the `[buildpacks]` section provides: node_images entries, then node_image. */
export function configuredNodeImages(settings: BuildpackSettings): Map<number, Candidate> {
  const node = settings.images.node;
  const candidates = new Map<number, Candidate>();
  if (node.includes(MAJOR_PLACEHOLDER)) {
    for (const major of TEMPLATE_NODE_MAJORS) candidates.set(major, { image: node.replaceAll(MAJOR_PLACEHOLDER, String(major)), key: 'node_image' });
  } else {
    candidates.set(plainImageMajor(settings), { image: node, key: 'node_image' });
  }
  for (const [major, image] of Object.entries(settings.nodeImages?.images ?? {})) {
    candidates.set(Number(major), { image, key: `node_images."${major}"` });
  }
  return candidates;
}

/**
 * The Node major of a node_image without `{major}`: node_image_major when set, else the tag of
 * an image named `node` (`node:20-alpine`, `registry/node:22` give 20 and 22), else Nixpacks'
 * default, 18.
 */
export function plainImageMajor(settings: BuildpackSettings): number {
  const configured = settings.nodeImages?.imageMajor;
  if (configured !== undefined) return configured;
  const lastPart = settings.images.node.split('@')[0]?.split('/').pop() ?? '';
  const match = /^node:v?(\d+)(?:$|[.-])/.exec(lastPart);
  return match?.[1] !== undefined ? Number(match[1]) : NIXPACKS_DEFAULT_NODE_MAJOR;
}

/** Nothing asked: Nixpacks' default major when configured, else the one plain node_image. */
function defaultChoice(candidates: Map<number, Candidate>, settings: BuildpackSettings): NodeImageChoice {
  const major = candidates.has(NIXPACKS_DEFAULT_NODE_MAJOR) ? NIXPACKS_DEFAULT_NODE_MAJOR : plainImageMajor(settings);
  const { image, key } = candidates.get(major) ?? { image: settings.images.node, key: 'node_image' };
  return { major, image, key };
}

function unconfigured(asked: NodeVersionRequest, range: string, majors: number[]): PlanError {
  const suggested = TEMPLATE_NODE_MAJORS.find((major) => semver.intersects(`${major}.x`, range)) ?? semver.minVersion(range)?.major;
  const configured = majors.length > 0 ? `Node ${[...majors].sort((a, b) => a - b).join(', ')}` : 'none';
  const example = suggested !== undefined ? `node_images = { "${suggested}" = "<image>" }` : 'node_images';
  return new PlanError(
    `nixpacks: the app asks for Node ${shown(asked.value)} (${asked.source}), which no configured image provides (configured: ${configured}); ` +
      `set [buildpacks] ${example}, or node_image to a template with ${MAJOR_PLACEHOLDER}`,
    'invalid_repository',
    'buildpacks.node_images',
  );
}

/** The summary line, e.g. `node: 22 on node:22-alpine (node_image), asked ">=20" in .nvmrc`. */
export function nodeVersionLine(choice: NodeImageChoice): string {
  const asked = choice.asked !== undefined ? `asked ${shown(choice.asked.value)} in ${choice.asked.source}` : 'no version asked';
  const line = `node: ${choice.major} on ${choice.image} (${choice.key}), ${asked}`;
  return choice.warning !== undefined ? `${line}; WARNING ${choice.warning}` : line;
}

/** Repository text in a log line or message: quoted, escaped, and short. */
function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}

/**
 * How the nixpacks buildpack plans a folder of example apps, such as the `examples/` folder
 * Nixpacks tests itself on: per app, the language Berth detects, its start command, or the
 * plan-time refusal and its reason. It plans only (no engine), with a `{major}` Node image
 * template and a bun image, as a machine with a registry would be configured.
 *
 *   npm run build && node dist/bench/nixpacks-examples.bench.js <examples-dir> [--list]
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nixpacksBuildpack } from '../buildpacks/nixpacks/nixpacks.buildpack';
import type { BuildpackSettings, PlanRequest } from '../buildpacks/plan';
import { PlanError } from '../buildpacks/plan';
import { FsWorkspace } from '../src/builds/fs-workspace';

const SETTINGS: BuildpackSettings = {
  images: {
    node: 'node:{major}-bookworm-slim',
    python: 'python:3.11-slim',
    go: 'golang:1.22',
    staticBuilder: 'node:20-alpine',
    staticServer: 'nginx:alpine',
    bun: 'oven/bun:1',
  },
  nodeImages: { images: {} },
  allowComposeHostAccess: false,
};

const REQUEST: PlanRequest = { buildpackType: 'nixpacks', imageTag: 'example:1', env: {} };

interface Outcome {
  app: string;
  /** The family Nixpacks files the example under: the name's first word (node, python, go...). */
  family: string;
  result: 'planned' | 'refused' | 'error';
  detail: string;
}

function planOne(dir: string, app: string): Outcome {
  const family = app.split('-')[0] ?? app;
  try {
    const plan = nixpacksBuildpack(new FsWorkspace(join(dir, app)), REQUEST, SETTINGS);
    const start = typeof plan.details.start === 'string' ? plan.details.start : 'served by nginx';
    return { app, family, result: 'planned', detail: `${String(plan.details.language)}: ${start}` };
  } catch (error) {
    if (error instanceof PlanError) return { app, family, result: 'refused', detail: error.message.split(':').slice(0, 2).join(':') };
    return { app, family, result: 'error', detail: String(error) };
  }
}

function main(): void {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: nixpacks-examples.bench.js <examples-dir> [--list]');
  const apps = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
  const outcomes = apps.map((app) => planOne(dir, app));
  if (process.argv.includes('--list')) for (const o of outcomes) process.stdout.write(`${o.result.padEnd(8)} ${o.app.padEnd(36)} ${o.detail}\n`);
  const families = [...new Set(outcomes.map((o) => o.family))].sort();
  process.stdout.write('family | apps | planned | refused | errors\n');
  for (const family of families) {
    const mine = outcomes.filter((o) => o.family === family);
    const count = (result: Outcome['result']) => mine.filter((o) => o.result === result).length;
    process.stdout.write(`${family} | ${mine.length} | ${count('planned')} | ${count('refused')} | ${count('error')}\n`);
  }
}

main();

import type { BuildPlan } from '../plan';
import { PlanError } from '../plan';
import { argLines, assertImageRef, assertPlainPath, buildArgValues, envLines, runShell } from '../dockerfile-text';
import { pathEnvLine } from '../node-install';
import { staticBuildImage } from '../static/static.buildpack';
import type { ResolvedPhases } from './nixpacks-phases';
import type { FrontEndSite } from './node-spa';
import type { DetectedPlan } from './provider';

export interface FrontEndSiteInput {
  site: FrontEndSite;
  detected: DetectedPlan;
  phases: ResolvedPhases;
  tag: string;
  serverImage: string;
  /** Summary lines before the phases (what was detected) and after them (variables, ignored). */
  header: string[];
  tail: string[];
  details: Record<string, unknown>;
}

/**
 * A front-end app: install and build on the provider's image, with its variables and `env` as
 * any Node build, then the static buildpack's nginx image serves the output folder on $PORT
 * (Nixpacks runs Caddy in the app's image instead). No start command runs: the served image runs
 * no app code, so the variables stay in the build stage.
 */
export function frontEndSitePlan(input: FrontEndSiteInput): BuildPlan {
  const { site, detected, phases } = input;
  if (phases.build.length === 0) {
    throw new PlanError(
      `nixpacks: this ${site.framework} app is served from the folder its build writes, but there is no build command: set nixpacks.buildCommand`,
      'invalid_repository',
      'nixpacks.buildCommand',
    );
  }
  const { variables, buildEnv } = phases;
  // For a name `env` sets, the build sees env's value: ENV would override the ARG.
  const buildVariables = Object.fromEntries(Object.entries(variables).filter(([name]) => !Object.hasOwn(buildEnv, name)));
  const image = staticBuildImage({
    tag: input.tag,
    builderImage: assertImageRef(detected.image, 'images.node'),
    // The package manager (pnpm, yarn) the install and build run with, as in an app's build stage.
    setup: [...pathEnvLine(detected.paths ?? []), ...(detected.setup ?? []).map((cmd) => runShell(cmd, 'setup'))],
    serverImage: input.serverImage,
    buildArgs: [...argLines(buildEnv, 'env'), ...envLines(buildVariables, 'variables')],
    buildArgValues: buildArgValues(buildEnv, 'env'),
    install: phases.install.map((cmd) => runShell(cmd, 'phases.install')),
    build: phases.build.map((cmd) => runShell(cmd, 'phases.build')),
    outputDir: site.outputDir === '' ? '' : assertPlainPath(site.outputDir, 'outputDir'),
    spa: site.spa,
  });
  const served = site.outputDir === '' ? './' : `${site.outputDir}/`;
  return {
    buildpack: 'nixpacks',
    summary: [
      ...input.header,
      phaseLine('install', phases.install, phases.sources.install),
      phaseLine('build', phases.build, phases.sources.build),
      `start: ${input.serverImage} serves ${served} on $PORT (no start command runs)`,
      ...input.tail,
    ],
    details: { ...input.details, start: null, serverImage: input.serverImage, warnings: [] },
    images: [image],
  };
}

function phaseLine(phase: string, commands: string[], source: string): string {
  const from = source === 'detected' || source === 'none' ? '' : ` (from ${source})`;
  return `${phase}: ${commands.length === 0 ? '(none)' : commands.join(' && ')}${from}`;
}

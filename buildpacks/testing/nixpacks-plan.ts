import { nixpacksBuildpack } from '../nixpacks/nixpacks.buildpack';
import type { BuildPlan, BuildpackSettings, PlanRequest } from '../plan';
import { MemoryWorkspace } from './memory-workspace';
import { testSettings } from './settings';

export interface NixpacksPlanOptions {
  nixpacks?: PlanRequest['nixpacks'] | undefined;
  env?: Record<string, string>;
  settings?: BuildpackSettings;
}

/** A nixpacks build request for image `app:1`, as the API passes it to the planner. */
export function nixpacksRequest(nixpacks?: PlanRequest['nixpacks'], env: Record<string, string> = {}): PlanRequest {
  return { buildpackType: 'nixpacks', imageTag: 'app:1', env, ...(nixpacks ? { nixpacks } : {}) };
}

/** The nixpacks plan of a repository made of `files`, with the test settings unless given. */
export function planNixpacks(files: Record<string, string>, options: NixpacksPlanOptions = {}): BuildPlan {
  return nixpacksBuildpack(new MemoryWorkspace(files), nixpacksRequest(options.nixpacks, options.env), options.settings ?? testSettings());
}

/** The Dockerfile a plan generated for its first image. */
export function generatedDockerfile(plan: BuildPlan): string {
  return plan.images[0]?.files['.berth/Dockerfile'] ?? '';
}

/** The lines of a generated Dockerfile that are instructions of the given kind. */
export function dockerInstructions(dockerfile: string, kind: string): string[] {
  return dockerfile.split('\n').filter((line) => line.startsWith(`${kind} `));
}

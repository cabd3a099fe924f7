import type { PlanRequest } from '../../buildpacks/plan';

/** A validated build request as stored with the build: everything but secrets. */
export interface BuildSpec {
  id: string;
  /** `recipe`: no repository (the git fields are empty, the context starts empty); absent: git. */
  source?: 'recipe';
  gitRepo: string;
  gitHost: string;
  gitScheme: string;
  gitBranch?: string;
  gitCommit?: string;
  submodules: boolean;
  /** Repository subfolder used as the context root; '' for the root. */
  baseDirectory: string;
  noCache: boolean;
  /** Set when the values of `plan.env` and `plan.dockerfile.buildArgs` are sealed apart (the spec keeps their names only). */
  sealedValues?: true;
  /** Network of RUN steps; absent in builds stored before the choice existed (= `default`). */
  network?: BuildNetwork;
  /** The `[[nodes]]` entry whose engine builds it; absent: `local` (the `[docker]` engine). */
  node?: string;
  plan: PlanRequest;
}

export type BuildNetwork = 'default' | 'none';

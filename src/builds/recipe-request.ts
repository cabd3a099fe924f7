import { ValidationError } from '../errors';
import type { RecipeRequest } from '../models/recipe.model';
import { isValidBuildId, type ValidatedBuild } from './build-request';
import type { BuildNetwork, BuildSpec } from './build-spec';
import { isValidImageReference, isValidImageTag, withDefaultTag } from './image-reference';
import { debianPackageProblem, pipRequirementProblem } from './package-grammar';

const MAX_PACKAGES = 200;
const MAX_COMMANDS = 100;
const MAX_COMMAND = 4096;
const NETWORKS: readonly BuildNetwork[] = ['default', 'none'];

/** Checks a recipe field by field and makes it a build spec with no git source. */
export function validateRecipeRequest(req: RecipeRequest, newId: () => string): ValidatedBuild {
  const id = req.id ?? newId();
  if (!isValidBuildId(id)) throw new ValidationError('id may hold letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit', 'id');
  if (typeof req.name !== 'string' || !isValidImageTag(req.name)) {
    throw new ValidationError('name must be an image reference like "tools:1" (lower-case name, optional registry and tag)', 'name');
  }
  if (typeof req.base_image !== 'string' || !isValidImageReference(req.base_image)) {
    throw new ValidationError('base_image must be an image reference like "debian:bookworm" (optionally pinned by digest)', 'base_image');
  }
  const network = req.network ?? 'default';
  if (!NETWORKS.includes(network as BuildNetwork)) throw new ValidationError(`network must be one of ${NETWORKS.join(', ')}`, 'network');
  const spec: BuildSpec = {
    id,
    source: 'recipe',
    gitRepo: '',
    gitHost: '',
    gitScheme: 'recipe',
    submodules: false,
    baseDirectory: '',
    noCache: req.no_cache ?? false,
    network: network as BuildNetwork,
    plan: {
      buildpackType: 'recipe',
      imageTag: withDefaultTag(req.name),
      env: {},
      recipe: {
        baseImage: req.base_image,
        update: req.update ?? false,
        aptInstall: entries(req.apt_install, 'apt_install', MAX_PACKAGES, debianPackageProblem),
        pipInstall: entries(req.pip_install, 'pip_install', MAX_PACKAGES, pipRequirementProblem),
        commands: entries(req.commands, 'commands', MAX_COMMANDS, commandProblem),
      },
    },
  };
  return { spec };
}

function entries(values: string[] | undefined, field: string, max: number, problem: (value: string) => string | undefined): string[] {
  if (values === undefined) return [];
  if (!Array.isArray(values)) throw new ValidationError(`${field} must be a list`, field);
  if (values.length > max) throw new ValidationError(`${field} takes at most ${max} entries`, field);
  values.forEach((value, i) => {
    const why = problem(value);
    if (why) throw new ValidationError(`${field}[${i}]: ${why}`, `${field}[${i}]`);
  });
  return [...values];
}

function commandProblem(command: string): string | undefined {
  if (typeof command !== 'string' || command.trim() === '') return 'must be a non-empty command';
  if (command.length > MAX_COMMAND) return `must be at most ${MAX_COMMAND} characters`;
  if (/[\0\n\r]/.test(command)) return 'must be one line: newlines, carriage returns and NUL are not allowed (give each line its own entry)';
  return undefined;
}

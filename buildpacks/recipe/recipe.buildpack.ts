import type { Buildpack, RecipeOptions } from '../plan';
import { PlanError } from '../plan';
import { assertImageRef, execForm, runShell } from '../dockerfile-text';

/** Generated into an otherwise empty build context. */
export const RECIPE_DOCKERFILE = '.berth/Dockerfile';

/**
 * apt in one step with its index removed again, so the layer keeps no lists. Package names come
 * after the script as `$@`: they are arguments of `sh`, never part of the script text.
 */
const APT_INSTALL = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" && rm -rf /var/lib/apt/lists/*';
const APT_UPGRADE = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -y upgrade && rm -rf /var/lib/apt/lists/*';

/**
 * pip into the image's own Python, where `python3 -c "import x"` and the commands find it: a
 * recipe makes an image, so Debian's "externally managed" guard (PEP 668), meant to protect a
 * host's system packages, is lifted for this step only (the variable stays out of the image; pip
 * versions before 23.0.1 ignore it). `--retries 1` so that an unreachable index fails in seconds
 * with pip's own message instead of after five back-offs; the index and any other pip setting
 * come from the base image's pip configuration, untouched.
 */
const PIP_INSTALL = ['env', 'PIP_BREAK_SYSTEM_PACKAGES=1', 'python3', '-m', 'pip', 'install', '--no-cache-dir', '--retries', '1', '--timeout', '15'];

/** No repository: FROM the base image, then upgrade, apt packages, pip packages and commands, in that order. */
export const recipeBuildpack: Buildpack = (_workspace, request) => {
  const recipe = request.recipe;
  if (!recipe) throw new PlanError('a recipe build needs its recipe', 'invalid_repository', 'recipe');
  const dockerfile = recipeDockerfile(recipe);
  return {
    buildpack: 'recipe',
    summary: [
      `recipe: from ${recipe.baseImage}${recipe.update ? ', apt upgrade' : ''}`,
      ...(recipe.aptInstall.length ? [`apt: ${recipe.aptInstall.join(' ')}`] : []),
      ...(recipe.pipInstall.length ? [`pip: ${recipe.pipInstall.join(' ')}`] : []),
      `commands: ${recipe.commands.length}`,
    ],
    details: {
      base_image: recipe.baseImage,
      update: recipe.update,
      apt_install: recipe.aptInstall,
      pip_install: recipe.pipInstall,
      commands: recipe.commands,
      dockerfile,
    },
    images: [{ tag: request.imageTag, context: '', dockerfile: RECIPE_DOCKERFILE, files: { [RECIPE_DOCKERFILE]: dockerfile }, buildArgs: {} }],
  };
};

/** The Dockerfile of a recipe; every user value is a JSON exec-form argument. */
export function recipeDockerfile(recipe: RecipeOptions): string {
  const lines = [`FROM ${assertImageRef(recipe.baseImage, 'base_image')}`];
  if (recipe.update) lines.push(runShell(APT_UPGRADE, 'update'));
  if (recipe.aptInstall.length) lines.push(`RUN ${execForm(['sh', '-c', APT_INSTALL, 'apt-install', ...recipe.aptInstall], 'apt_install')}`);
  if (recipe.pipInstall.length) lines.push(`RUN ${execForm([...PIP_INSTALL, ...recipe.pipInstall], 'pip_install')}`);
  recipe.commands.forEach((command, i) => lines.push(runShell(command, `commands[${i}]`)));
  return `${lines.join('\n')}\n`;
}

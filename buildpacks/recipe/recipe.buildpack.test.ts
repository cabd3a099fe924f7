import { MemoryWorkspace } from '../testing/memory-workspace';
import { testSettings } from '../testing/settings';
import { PlanError, type PlanRequest, type RecipeOptions } from '../plan';
import { RECIPE_DOCKERFILE, recipeBuildpack, recipeDockerfile } from './recipe.buildpack';

const recipe: RecipeOptions = { baseImage: 'debian:bookworm', update: false, aptInstall: [], pipInstall: [], commands: [] };
const request = (options: Partial<RecipeOptions>): PlanRequest => ({ buildpackType: 'recipe', imageTag: 'tools:1', env: {}, recipe: { ...recipe, ...options } });

describe('recipe buildpack', () => {
  it('writes FROM, upgrade, apt, pip and each command in that order, every value as an exec-form argument', () => {
    const text = recipeDockerfile({
      baseImage: 'registry.local:5000/base/debian:12',
      update: true,
      aptInstall: ['jq', 'curl=7.88.1-10+deb12u5'],
      pipInstall: ['requests>=2,<3', 'six'],
      commands: ['echo "$HOME" > /home.txt', "printf '%s\\n' a b"],
    });
    expect(text.split('\n')).toEqual([
      'FROM registry.local:5000/base/debian:12',
      'RUN ["sh","-c","apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -y upgrade && rm -rf /var/lib/apt/lists/*"]',
      'RUN ["sh","-c","apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\"$@\\" && rm -rf /var/lib/apt/lists/*","apt-install","jq","curl=7.88.1-10+deb12u5"]',
      'RUN ["env","PIP_BREAK_SYSTEM_PACKAGES=1","python3","-m","pip","install","--no-cache-dir","--retries","1","--timeout","15","requests>=2,<3","six"]',
      'RUN ["sh","-c","echo \\"$HOME\\" > /home.txt"]',
      'RUN ["sh","-c","printf \'%s\\\\n\' a b"]',
      '',
    ]);
  });

  it('writes only FROM for a bare recipe, and leaves out steps with nothing to do', () => {
    expect(recipeDockerfile(recipe)).toBe('FROM debian:bookworm\n');
  });

  it('plans one image from an empty context, with the Dockerfile and the recipe in the details', () => {
    const plan = recipeBuildpack(new MemoryWorkspace({}), request({ aptInstall: ['jq'], commands: ['jq --version'] }), testSettings());
    const dockerfile = plan.images[0]?.files[RECIPE_DOCKERFILE];
    expect(plan).toEqual({
      buildpack: 'recipe',
      summary: ['recipe: from debian:bookworm', 'apt: jq', 'commands: 1'],
      details: { base_image: 'debian:bookworm', update: false, apt_install: ['jq'], pip_install: [], commands: ['jq --version'], dockerfile },
      images: [{ tag: 'tools:1', context: '', dockerfile: RECIPE_DOCKERFILE, files: { [RECIPE_DOCKERFILE]: dockerfile }, buildArgs: {} }],
    });
    expect(dockerfile).toContain('RUN ["sh","-c","jq --version"]');
  });

  it('refuses a command that would start a new instruction, naming it, even if the API let it through', () => {
    expect(() => recipeDockerfile({ ...recipe, commands: ['true', 'echo a\nRUN rm -rf /'] })).toThrow(PlanError);
    expect(() => recipeDockerfile({ ...recipe, commands: ['true', 'echo a\nRUN rm -rf /'] })).toThrow(/commands\[1\]/);
    expect(() => recipeDockerfile({ ...recipe, baseImage: 'debian\nRUN id' })).toThrow(/base_image/);
  });

  it('refuses a recipe build without its recipe', () => {
    expect(() => recipeBuildpack(new MemoryWorkspace({}), { buildpackType: 'recipe', imageTag: 'x:1', env: {} }, testSettings())).toThrow(PlanError);
  });
});

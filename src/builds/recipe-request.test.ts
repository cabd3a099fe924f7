import { ValidationError } from '../errors';
import type { RecipeRequest } from '../models/recipe.model';
import { validateRecipeRequest } from './recipe-request';

const base: RecipeRequest = { name: 'tools', base_image: 'debian:bookworm' };
const validate = (overrides: Partial<RecipeRequest> | Record<string, unknown>) => validateRecipeRequest({ ...base, ...overrides }, () => 'generated-id');

function refusedField(overrides: Partial<RecipeRequest> | Record<string, unknown>): string | undefined {
  try {
    validate(overrides);
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

describe('validateRecipeRequest', () => {
  it('makes a build spec with no git source and every default', () => {
    expect(validate({})).toEqual({
      spec: {
        id: 'generated-id',
        source: 'recipe',
        gitRepo: '',
        gitHost: '',
        gitScheme: 'recipe',
        submodules: false,
        baseDirectory: '',
        noCache: false,
        network: 'default',
        plan: {
          buildpackType: 'recipe',
          imageTag: 'tools:latest',
          env: {},
          recipe: { baseImage: 'debian:bookworm', update: false, aptInstall: [], pipInstall: [], commands: [] },
        },
      },
    });
  });

  it('carries every field of a full recipe', () => {
    const { spec } = validate({
      id: 'r1',
      name: 'registry.local:5000/team/tools:2',
      base_image: `debian@sha256:${'a'.repeat(64)}`,
      update: true,
      apt_install: ['jq=1.6-2.1+deb12u2'],
      pip_install: ['six==1.16.0'],
      commands: ['jq --version'],
      no_cache: true,
      network: 'none',
    });
    expect(spec).toMatchObject({ id: 'r1', noCache: true, network: 'none', plan: { imageTag: 'registry.local:5000/team/tools:2' } });
    expect(spec.plan.recipe).toEqual({
      baseImage: `debian@sha256:${'a'.repeat(64)}`,
      update: true,
      aptInstall: ['jq=1.6-2.1+deb12u2'],
      pipInstall: ['six==1.16.0'],
      commands: ['jq --version'],
    });
  });

  it.each([
    [{ id: '../x' }, 'id'],
    [{ name: 'Tools' }, 'name'],
    [{ name: 42 }, 'name'],
    [{ base_image: 'debian bookworm' }, 'base_image'],
    [{ base_image: undefined }, 'base_image'],
    [{ network: 'host' }, 'network'],
    [{ apt_install: ['jq', 'curl', 'Bad'] }, 'apt_install[2]'],
    [{ apt_install: ['jq', 7] }, 'apt_install[1]'],
    [{ pip_install: 'six' }, 'pip_install'],
    [{ apt_install: Array.from({ length: 201 }, () => 'jq') }, 'apt_install'],
    [{ pip_install: ['--index-url=http://127.0.0.1/'] }, 'pip_install[0]'],
    [{ commands: ['true', ' '] }, 'commands[1]'],
    [{ commands: ['a\0b'] }, 'commands[0]'],
    [{ commands: ['a\rb'] }, 'commands[0]'],
    [{ commands: ['x'.repeat(4097)] }, 'commands[0]'],
    [{ commands: Array.from({ length: 101 }, () => 'true') }, 'commands'],
  ])('refuses %j naming %s', (overrides, field) => expect(refusedField(overrides)).toBe(field));
});

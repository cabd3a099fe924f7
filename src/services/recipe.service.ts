import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../errors';
import { validateRecipeRequest } from '../builds/recipe-request';
import type { BuildRecord, BuildStatus } from '../builds/build.record';
import type { RecipeRequest, RecipeView } from '../models/recipe.model';
import type { BuildService } from './build.service';

/**
 * Recipes are builds: validated here, then queued, built, logged, followed and cancelled as any
 * other build (BuildService, the build queue and workers). This adds only the recipe's view.
 */
export class RecipeService {
  constructor(private readonly builds: BuildService) {}

  /** Queues a recipe build, or returns the existing build with the same id (`created` false). */
  async submit(req: RecipeRequest): Promise<{ created: boolean; recipe: RecipeView }> {
    const { created, build } = await this.builds.submitValidated(validateRecipeRequest(req, randomUUID));
    return { created, recipe: await this.get(build.id) };
  }

  async get(id: string): Promise<RecipeView> {
    const record = await this.builds.record(id);
    // Another kind of build is not a recipe: 404 here, it stays readable under /builds.
    if (record.spec.source !== 'recipe' || !record.spec.plan.recipe) throw new NotFoundError('recipe', id);
    const { lines, truncated } = await this.builds.logs(id);
    return recipeView(record, lines, truncated);
  }
}

const RUNNING: ReadonlySet<BuildStatus> = new Set(['cloning', 'building']);

function recipeView(record: BuildRecord, lines: RecipeView['lines'], truncated: boolean): RecipeView {
  const { spec, status } = record;
  const state = status === 'queued' ? 'queued' : RUNNING.has(status) ? 'running' : 'exited';
  const image = record.images?.find((i) => i.tag === spec.plan.imageTag);
  const dockerfile = record.plan?.['dockerfile'];
  const path = `/api/v1/builds/${encodeURIComponent(spec.id)}`;
  return {
    id: spec.id,
    status,
    state,
    ...(state === 'exited' ? { exit_code: status === 'succeeded' ? 0 : 1 } : {}),
    name: spec.plan.imageTag,
    base_image: spec.plan.recipe?.baseImage ?? '',
    ...(image ? { image_id: image.id } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(typeof dockerfile === 'string' ? { dockerfile } : {}),
    lines,
    truncated,
    links: { build: path, logs: `${path}/logs`, cancel: `${path}/cancel` },
  };
}

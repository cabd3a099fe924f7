import { Body, Controller, Get, Path, Post, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { RecipeRequest, RecipeView } from '../models/recipe.model';
import type { RecipeService } from '../services/recipe.service';

@Route('api/v1/images/recipes')
@Tags('Builds')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Redis unavailable')
export class RecipeController extends Controller {
  constructor(private readonly recipes: RecipeService) {
    super();
  }

  /**
   * Queues the build of an image from a base image, apt and pip packages and commands, with no
   * repository. It is a build: follow it with `/builds/{id}/logs?follow=true`, cancel it with
   * `/builds/{id}/cancel`; the generated Dockerfile is stored in the build's `plan`. Answers 202;
   * resubmitting an existing `id` answers 200 with that build and queues nothing.
   */
  @Post()
  @SuccessResponse(202, 'Queued')
  @Response<RecipeView>(200, 'A build with this id exists already')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it (e.g. `apt_install[2]`)')
  public async submit(@Body() body: RecipeRequest): Promise<RecipeView> {
    const { created, recipe } = await this.recipes.submit(body);
    this.setStatus(created ? 202 : 200);
    return recipe;
  }

  /** The recipe build's status (also folded into `state`: queued, running, exited) and its log lines so far. */
  @Get('{id}')
  @Response<ErrorBody>(404, 'No such recipe build')
  public async get(@Path() id: string): Promise<RecipeView> {
    return this.recipes.get(id);
  }
}

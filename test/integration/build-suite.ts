import { removeLabelled, startTestApi, type Overrides, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { closeBuildApi, closeWorkers, removeBuildStages } from './build-helpers';

/** What a build suite's tests use; set once its `beforeAll` has run. */
export interface BuildSuite {
  api: TestApi;
  git: GitServer;
}

/**
 * Registers the set-up of a suite that builds from git: the API (`overrides` as startTestApi
 * takes them), the git server and one in-process worker; after the tests, the containers it ran
 * (first: an image a running container uses cannot be removed), its build stages, the API and
 * its images, and the git server.
 */
export function useBuildSuite(overrides: Overrides): BuildSuite {
  const suite = {} as Partial<BuildSuite>;
  const workers: BuildWorker[] = [];
  beforeAll(async () => {
    suite.api = await startTestApi(overrides);
    suite.git = await startGitServer();
    workers.push(await startTestWorker(suite.api.config));
  });
  afterAll(async () => {
    await closeWorkers(workers);
    if (suite.api !== undefined) {
      await removeLabelled(suite.api.docker, `berth.instance=${suite.api.runId}`);
      await removeBuildStages(suite.api);
      await closeBuildApi(suite.api);
    }
    await suite.git?.close();
  });
  return suite as BuildSuite;
}

import type { ChildProcess } from 'node:child_process';
import { startDeployEnv, type DeployEnv } from '../support/deploy-env';
import { spawnWorkerProcess } from '../support/worker';
import { poll } from './helpers';
import { appContainers, appFiles, createApp, deploy, deployCommit, getDeployment } from './deploy-helpers';

/**
 * A worker process SIGKILLed in the middle of a deployment: another worker finishes or fails it,
 * and the app is left on one release, routed, never two or none. Needs `npm run build`.
 */
describe('a deploy worker killed mid-deploy', () => {
  let env: DeployEnv;
  const workers: ChildProcess[] = [];
  const startWorker = () => {
    const w = spawnWorkerProcess(env.api.config);
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    // A short lock: a killed worker's job is taken up again within seconds.
    env = await startDeployEnv({ build: { lock_seconds: 3 } }, { worker: false });
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await env?.close();
  });

  for (const phase of ['health_checking', 'draining']) {
    it(`leaves the app on one release when its worker dies while ${phase}`, async () => {
      const app = `${env.api.runId}-${phase.slice(0, 5)}`;
      const host = `${app}.test`;
      const { url, commit: c1 } = env.git.push(app, appFiles('k1'));
      // A slow gate and drain, so the kill lands in the phase.
      await createApp(env, { name: app, git_repo: url, buildpack_type: 'dockerfile', domains: [host], drain_seconds: 20, replicas: 2 });
      // Only this test's workers: the one to kill takes the deployment.
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
      const first = startWorker();
      await deployCommit(env, app, c1);
      const { commit } = env.git.push(app, appFiles('k2'), { append: true });
      const d = await deploy(env, app, { git_commit: commit });
      await poll(`deployment in ${phase}`, async () => ((await getDeployment(env, d.id)).status === phase ? true : undefined), 120_000, 50);
      first.kill('SIGKILL');
      startWorker();
      const ended = await poll(
        'deployment ended',
        async () => {
          const x = await getDeployment(env, d.id);
          return ['succeeded', 'failed'].includes(x.status) ? x : undefined;
        },
        180_000,
      );
      const live = ended.status === 'succeeded' ? 'k2' : 'k1';
      const release = ended.status === 'succeeded' ? '2' : '1';
      expect(await env.get(host)).toEqual({ status: 200, body: live });
      await poll(
        'one release left',
        async () => {
          const cs = await appContainers(env, app);
          return cs.length === 2 && cs.every((c) => c.release === release && c.state === 'running') ? true : undefined;
        },
        60_000,
      );
      expect(ended.attempts).toBeGreaterThanOrEqual(2);
    });
  }
});

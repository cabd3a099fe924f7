import type { JobView } from '../models/job.model';
import type { JobRecord } from './job.record';

/** The API's view of a job: its request (env values left out), state and times. */
export function toJobView(record: JobRecord): JobView {
  const { spec } = record;
  return {
    id: spec.id,
    status: record.status,
    image: spec.image,
    main: spec.main,
    run: spec.run,
    env_names: Object.keys(spec.env),
    source: spec.source.kind,
    ...(spec.source.kind === 'git' ? { git_repo: spec.source.repo } : {}),
    ...(record.commit ? { commit: record.commit } : {}),
    ...(spec.input ? { input: spec.input.kind } : {}),
    timeout_seconds: spec.timeoutSeconds,
    ...(spec.memoryBytes ? { memory_bytes: spec.memoryBytes } : {}),
    ...(spec.nanoCpus ? { cpus: spec.nanoCpus / 1e9 } : {}),
    network: spec.network,
    created_at: record.createdAt,
    ...(record.startedAt ? { started_at: record.startedAt } : {}),
    ...(record.endedAt ? { ended_at: record.endedAt } : {}),
    ...(record.exitCode !== undefined ? { exit_code: record.exitCode } : {}),
    ...(record.oomKilled !== undefined ? { oom_killed: record.oomKilled } : {}),
    ...(record.outputBytes !== undefined ? { output_bytes: record.outputBytes } : {}),
    attempts: record.attempts,
    ...(record.error ? { error: record.error } : {}),
  };
}

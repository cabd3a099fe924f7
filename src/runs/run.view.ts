import type { RunView } from '../models/run.model';
import type { RunLogLine, RunRecord } from './run.record';

/** The API's view of a run: its output from the stored lines, each stream apart. */
export function toRunView(record: RunRecord, lines: RunLogLine[]): RunView {
  const { spec } = record;
  const text = (stream: RunLogLine['stream']) =>
    lines
      .filter((l) => l.stream === stream)
      .map((l) => l.text)
      .join('\n');
  const started = record.startedAt ? Date.parse(record.startedAt) : undefined;
  return {
    id: record.id,
    status: record.status,
    image: spec.image,
    command: spec.command,
    env_names: Object.keys(spec.env),
    timeout_seconds: spec.timeoutSeconds,
    ...(spec.memoryBytes ? { memory_bytes: spec.memoryBytes } : {}),
    ...(spec.nanoCpus ? { cpus: spec.nanoCpus / 1e9 } : {}),
    network: spec.network,
    cap_add: spec.capAdd,
    created_at: record.createdAt,
    ...(record.startedAt ? { started_at: record.startedAt } : {}),
    ...(record.endedAt ? { ended_at: record.endedAt } : {}),
    ...(started !== undefined && record.endedAt ? { duration_ms: Date.parse(record.endedAt) - started } : {}),
    ...(record.exitCode !== undefined ? { exit_code: record.exitCode } : {}),
    ...(record.oomKilled !== undefined ? { oom_killed: record.oomKilled } : {}),
    stdout: text('stdout'),
    stderr: text('stderr'),
    stdout_truncated: record.stdoutTruncated,
    stderr_truncated: record.stderrTruncated,
    ...(record.truncationNotice ? { truncation_notice: record.truncationNotice } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

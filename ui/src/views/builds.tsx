import { useState } from 'react';
import { seg } from '../api';
import { Badge, ErrorLine, formatTime, Section } from '../components/common';
import { LogView } from '../components/log-view';
import { useSession } from '../context';
import { useAction, usePoll } from '../hooks';

interface Build {
  id: string;
  status: string;
  buildpack_type: string;
  git_repo?: string;
  git_branch?: string;
  image_tag: string;
  commit?: string;
  error?: { code: string; message: string };
  timestamps: Record<string, string>;
  duration_seconds?: number;
}

const STATUSES = ['queued', 'cloning', 'building', 'succeeded', 'failed', 'cancelled'];
const RUNNING = ['queued', 'cloning', 'building'];

/** Builds, newest first, filtered by status (the API's) and by text (here); the chosen one's live log. */
export function BuildsView() {
  const { api } = useSession();
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<string>();
  const list = usePoll(() => api.get<{ builds: Build[]; total: number }>(`/api/v1/builds?limit=100${status ? `&status=${status}` : ''}`), status, 3000);
  const action = useAction();
  const needle = text.trim().toLowerCase();
  const builds = (list.data?.builds ?? []).filter(
    (b) => !needle || [b.id, b.image_tag, b.git_repo ?? '', b.git_branch ?? ''].some((f) => f.toLowerCase().includes(needle)),
  );
  const build = list.data?.builds.find((b) => b.id === chosen);

  return (
    <>
      <Section title="Builds">
        <div className="filters">
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Filter by status">
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Search
            <input type="search" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter by id, tag or repository" placeholder="id, tag, repository" />
          </label>
        </div>
        <ErrorLine text={list.error} />
        <ul className="rows" aria-label="Builds">
          {builds.map((b) => (
            <li key={b.id} className={b.id === chosen ? 'chosen' : undefined}>
              <button type="button" className="row" onClick={() => setChosen(b.id)} aria-label={`Build ${b.id} ${b.status}`} aria-pressed={b.id === chosen}>
                <Badge value={b.status} /> <span className="mono">{b.image_tag}</span> <span className="small">{formatTime(b.timestamps.queued)}</span>
                {b.error && <span className="small error-text">{b.error.message}</span>}
              </button>
            </li>
          ))}
        </ul>
        {list.data && builds.length === 0 && <p className="hint">No builds.</p>}
      </Section>
      {build && (
        <Section
          title={`Build ${build.id}`}
          actions={
            RUNNING.includes(build.status) && (
              <button
                type="button"
                className="danger"
                disabled={action.busy}
                onClick={() => void action.run(() => api.send('POST', `/api/v1/builds/${seg(build.id)}/cancel`)).then(list.reload)}
              >
                Cancel build
              </button>
            )
          }
        >
          <p>
            <Badge value={build.status} /> {build.buildpack_type} · {build.git_repo ?? ''} {build.git_branch ?? ''} {build.commit ? build.commit.slice(0, 12) : ''}
            {build.duration_seconds !== undefined && ` · ${build.duration_seconds.toFixed(1)} s`}
          </p>
          {build.error && (
            <p className="error" role="alert" aria-label="Build error">
              {build.error.code}: {build.error.message}
            </p>
          )}
          <ErrorLine text={action.error} />
          <LogView key={build.id} path={`/api/v1/builds/${seg(build.id)}/logs?follow=true`} label={`Log of build ${build.id}`} onEnd={list.reload} />
        </Section>
      )}
    </>
  );
}

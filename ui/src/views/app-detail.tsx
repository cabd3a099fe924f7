import { useState } from 'react';
import { seg } from '../api';
import { Badge, ConfirmButton, ErrorLine, formatTime, Section } from '../components/common';
import { LogView } from '../components/log-view';
import { useSession } from '../context';
import { useAction, usePoll } from '../hooks';
import { AppSettings } from './app-settings';
import type { AppView } from './app-view';

interface Replica {
  replica: number;
  release: number;
  live: boolean;
  name: string;
  state: string;
  restarts: number;
  health?: string;
}

interface Deployment {
  id: string;
  kind: string;
  status: string;
  trigger: string;
  release?: number;
  commit?: string;
  image?: string;
  times: Record<string, string>;
  error?: { code: string; message: string };
}

const ACTIVE = ['queued', 'building', 'starting', 'health_checking', 'switching', 'draining'];

/** One app: its replicas, actions, deployments with their live log, the app's own log, env and domains. */
export function AppDetail({ app, onChanged, onDeleted }: { app: AppView; onChanged: () => void; onDeleted: () => void }) {
  const { api } = useSession();
  const base = `/api/v1/apps/${seg(app.name)}`;
  const status = usePoll(() => api.get<{ status: string; live_release?: number; replicas: Replica[] }>(`${base}/status`), app.name, 3000);
  const deployments = usePoll(() => api.get<{ deployments: Deployment[] }>(`${base}/deployments?limit=20`), app.name, 3000);
  const [shown, setShown] = useState<string>();
  const [appLogs, setAppLogs] = useState(false);
  const action = useAction();
  const refresh = () => {
    status.reload();
    deployments.reload();
    onChanged();
  };
  const post = (path: string, after?: (body: { id?: string }) => void) =>
    void action.run(async () => after?.(await api.send<{ id?: string }>('POST', `${base}/${path}`, {}))).then(refresh);
  const deploymentShown = deployments.data?.deployments.find((d) => d.id === shown);
  const state = status.data?.status ?? app.status;

  return (
    <Section title={`App ${app.name}`}>
      <p aria-label="App status" aria-live="polite">
        Status <Badge value={state} /> · live release {status.data?.live_release ?? app.live_release ?? 'none'}
      </p>
      <div className="buttons">
        <button type="button" disabled={action.busy} onClick={() => post('deployments', (d) => setShown(d.id))}>
          Deploy
        </button>
        <button type="button" disabled={action.busy} onClick={() => post('rollback', (d) => setShown(d.id))}>
          Roll back
        </button>
        {state === 'stopped' ? (
          <button type="button" disabled={action.busy} onClick={() => post('start')}>
            Start app
          </button>
        ) : (
          <button type="button" disabled={action.busy} onClick={() => post('stop')}>
            Stop app
          </button>
        )}
        <button type="button" aria-pressed={appLogs} onClick={() => setAppLogs(!appLogs)}>
          {appLogs ? 'Hide app logs' : 'Follow app logs'}
        </button>
        <ConfirmButton
          label={`Delete app ${app.name}`}
          question={`Delete ${app.name}, its routes and containers?`}
          onConfirm={() => void action.run(() => api.send('DELETE', base)).then((ok) => ok && (onDeleted(), onChanged()))}
        />
      </div>
      <ErrorLine text={action.error || status.error} />
      {status.data && status.data.replicas.length > 0 && (
        <table className="table" aria-label="Replicas">
          <thead>
            <tr>
              <th>Replica</th>
              <th>Release</th>
              <th>State</th>
              <th>Health</th>
              <th>Restarts</th>
            </tr>
          </thead>
          <tbody>
            {status.data.replicas.map((r) => (
              <tr key={`${r.release}-${r.replica}`}>
                <td>{r.name}</td>
                <td>
                  {r.release}
                  {r.live ? ' (live)' : ''}
                </td>
                <td>
                  <Badge value={r.state} />
                </td>
                <td>{r.health ?? ''}</td>
                <td>{r.restarts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {appLogs && <LogView path={`${base}/logs?follow=true&tail=200`} label={`Logs of app ${app.name}`} />}
      <h3>Deployments</h3>
      <ErrorLine text={deployments.error} />
      <ul className="rows" aria-label="Deployments">
        {deployments.data?.deployments.map((d) => (
          <li key={d.id} className={d.id === shown ? 'chosen' : undefined}>
            <button
              type="button"
              className="row"
              onClick={() => setShown(d.id)}
              aria-pressed={d.id === shown}
              aria-label={`Deployment ${d.kind} ${d.status}${d.release ? ` release ${d.release}` : ''}`}
            >
              <Badge value={d.status} /> {d.kind} {d.release !== undefined && `→ release ${d.release}`} <span className="small">{formatTime(d.times.queued)}</span>
              {d.error && <span className="small error-text">{d.error.message}</span>}
            </button>
          </li>
        ))}
      </ul>
      {deploymentShown && (
        <>
          <h3>
            Deployment {deploymentShown.id} <Badge value={deploymentShown.status} />
          </h3>
          {ACTIVE.includes(deploymentShown.status) && (
            <button
              type="button"
              className="danger"
              onClick={() => void action.run(() => api.send('POST', `/api/v1/deployments/${seg(deploymentShown.id)}/cancel`)).then(refresh)}
            >
              Cancel deployment
            </button>
          )}
          <LogView
            key={deploymentShown.id}
            path={`/api/v1/deployments/${seg(deploymentShown.id)}/logs?follow=true`}
            label={`Log of deployment ${deploymentShown.id}`}
            onEnd={refresh}
          />
        </>
      )}
      <AppSettings app={app} onChanged={onChanged} />
    </Section>
  );
}

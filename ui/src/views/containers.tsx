import { useEffect, useState } from 'react';
import { nodePath, seg } from '../api';
import { Badge, ConfirmButton, ErrorLine, Section } from '../components/common';
import { LogView } from '../components/log-view';
import { useSession } from '../context';
import { useAction, usePoll } from '../hooks';

interface PortMapping {
  container_port: number;
  protocol: string;
  host_ip?: string;
  host_port?: number;
}

interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  created: string;
  ports: PortMapping[];
}

function portText(p: PortMapping): string {
  const inside = `${p.container_port}/${p.protocol}`;
  return p.host_port ? `${p.host_ip && p.host_ip !== '0.0.0.0' ? `${p.host_ip}:` : ''}${p.host_port} → ${inside}` : inside;
}

/** Containers as tiles, coloured by state, with their actions; polled (the list is not streamed). */
export function ContainersView() {
  const { api, node } = useSession();
  const [all, setAll] = useState(true);
  const [logs, setLogs] = useState<ContainerSummary>();
  const list = usePoll(() => api.get<{ containers: ContainerSummary[] }>(nodePath(node, `/containers?all=${all}`)), `${node}:${all}`, 3000);
  const action = useAction();
  // Another node: the followed container was the other node's.
  useEffect(() => setLogs(undefined), [node]);
  const act = (c: ContainerSummary, what: 'start' | 'stop' | 'restart' | 'delete') =>
    void action
      .run(() =>
        what === 'delete' ? api.send('DELETE', nodePath(node, `/containers/${seg(c.id)}`)) : api.send('POST', nodePath(node, `/containers/${seg(c.id)}/${what}`)),
      )
      .then(() => {
        if (what === 'delete' && logs?.id === c.id) setLogs(undefined);
        list.reload();
      });

  return (
    <>
      <Section
        title={`Containers on ${node}`}
        actions={
          <label className="inline">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show stopped
          </label>
        }
      >
        <ErrorLine text={list.error || action.error} />
        {list.data?.containers.length === 0 && <p className="hint">No containers.</p>}
        <div className="tiles">
          {list.data?.containers.map((c) => (
            <article key={c.id} className={`tile container state-${c.state}`} aria-label={`Container ${c.name}`} data-state={c.state}>
              <h3>
                {c.name} <Badge value={c.state} />
              </h3>
              <p className="mono small" title={c.image}>
                {c.image}
              </p>
              <p className="small">{c.status}</p>
              {c.ports.length > 0 && <p className="small">Ports: {c.ports.map(portText).join(', ')}</p>}
              <div className="buttons">
                {c.state !== 'running' ? (
                  <button type="button" onClick={() => act(c, 'start')} disabled={action.busy} aria-label={`Start ${c.name}`}>
                    Start
                  </button>
                ) : (
                  <button type="button" onClick={() => act(c, 'stop')} disabled={action.busy} aria-label={`Stop ${c.name}`}>
                    Stop
                  </button>
                )}
                <button type="button" onClick={() => act(c, 'restart')} disabled={action.busy} aria-label={`Restart ${c.name}`}>
                  Restart
                </button>
                <button type="button" onClick={() => setLogs(c)} aria-label={`Logs of ${c.name}`}>
                  Logs
                </button>
                <ConfirmButton label={`Delete ${c.name}`} question={`Delete ${c.name}?`} onConfirm={() => act(c, 'delete')} disabled={action.busy} />
              </div>
            </article>
          ))}
        </div>
      </Section>
      {logs && (
        <Section
          title={`Logs of ${logs.name}`}
          actions={
            <button type="button" onClick={() => setLogs(undefined)} aria-label="Close logs">
              Close
            </button>
          }
        >
          <LogView key={logs.id} path={nodePath(node, `/containers/${seg(logs.id)}/logs?follow=true&tail=200`)} label={`Logs of ${logs.name}`} />
        </Section>
      )}
    </>
  );
}

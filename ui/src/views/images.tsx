import { useEffect, useState, type FormEvent } from 'react';
import { nodePath, seg } from '../api';
import { ConfirmButton, ErrorLine, formatBytes, formatTime, Section } from '../components/common';
import { LogView } from '../components/log-view';
import { useSession } from '../context';
import { useAction, usePoll } from '../hooks';

interface ImageSummary {
  id: string;
  tags: string[];
  created: string;
  size: number;
  build_id?: string;
}

interface ImageDetail extends ImageSummary {
  repo?: string;
  commit?: string;
  pulled?: boolean;
  repo_digests?: string[];
  layers?: Array<{ digest: string; size?: number }>;
  config?: { env: string[]; cmd?: string[]; entrypoint?: string[]; workdir?: string; exposed_ports: string[] };
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Images of this Berth on the chosen node: inspect, pull (its progress followed), delete. */
export function ImagesView() {
  const { api, node } = useSession();
  const list = usePoll(() => api.get<{ images: ImageSummary[] }>(nodePath(node, '/images')), node, 5000);
  const [inspected, setInspected] = useState<ImageDetail>();
  const [pull, setPull] = useState('');
  const [operation, setOperation] = useState<{ id: string; image: string }>();
  const action = useAction();
  // Another node: what was inspected or pulled was the other node's.
  useEffect(() => {
    setInspected(undefined);
    setOperation(undefined);
  }, [node]);
  const ref = (i: ImageSummary) => i.tags[0] ?? i.id;

  const startPull = async (e: FormEvent) => {
    e.preventDefault();
    await action.run(async () => setOperation(await api.send<{ id: string; image: string }>('POST', nodePath(node, '/images/pull'), { image: pull.trim() })));
  };

  return (
    <>
      <Section title={`Images on ${node}`}>
        <form className="form inline-form" onSubmit={(e) => void startPull(e)} aria-label="Pull an image">
          <label>
            Image to pull
            <input value={pull} onChange={(e) => setPull(e.target.value)} placeholder="registry.lan:5000/team/app:1" required />
          </label>
          <button type="submit" disabled={action.busy}>
            Pull
          </button>
        </form>
        <ErrorLine text={list.error || action.error} />
        {operation && (
          <>
            <h3>Pulling {operation.image}</h3>
            <LogView
              key={operation.id}
              path={nodePath(node, `/images/operations/${seg(operation.id)}/logs?follow=true`)}
              label={`Progress of pulling ${operation.image}`}
              onEnd={list.reload}
            />
          </>
        )}
        <table className="table" aria-label="Images">
          <thead>
            <tr>
              <th>Tags</th>
              <th>Id</th>
              <th>Size</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.images.map((i) => (
              <tr key={i.id + i.tags.join()}>
                <td className="mono">{i.tags.join(', ') || '<none>'}</td>
                <td className="mono">{shortId(i.id)}</td>
                <td>{formatBytes(i.size)}</td>
                <td>{formatTime(i.created)}</td>
                <td className="buttons">
                  <button
                    type="button"
                    aria-label={`Inspect ${ref(i)}`}
                    onClick={() => void action.run(async () => setInspected(await api.get<ImageDetail>(nodePath(node, `/images/${seg(ref(i))}`))))}
                  >
                    Inspect
                  </button>
                  <ConfirmButton
                    label={`Delete ${ref(i)}`}
                    question={`Delete ${ref(i)}?`}
                    onConfirm={() => void action.run(() => api.send('DELETE', nodePath(node, `/images/${seg(ref(i))}`))).then(list.reload)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data?.images.length === 0 && <p className="hint">No images.</p>}
      </Section>
      {inspected && (
        <Section
          title={`Image ${inspected.tags[0] ?? shortId(inspected.id)}`}
          actions={
            <button type="button" onClick={() => setInspected(undefined)} aria-label="Close image">
              Close
            </button>
          }
        >
          <dl className="facts-list" aria-label="Image details">
            <dt>Id</dt>
            <dd className="mono">{inspected.id}</dd>
            <dt>Tags</dt>
            <dd>{inspected.tags.join(', ')}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(inspected.size)}</dd>
            {inspected.build_id && (
              <>
                <dt>Build</dt>
                <dd>{inspected.build_id}</dd>
              </>
            )}
            {inspected.repo && (
              <>
                <dt>Repository</dt>
                <dd>
                  {inspected.repo} {inspected.commit?.slice(0, 12)}
                </dd>
              </>
            )}
            <dt>Digests</dt>
            <dd className="mono">{(inspected.repo_digests ?? []).join(', ') || 'none'}</dd>
            <dt>Command</dt>
            <dd className="mono">{[...(inspected.config?.entrypoint ?? []), ...(inspected.config?.cmd ?? [])].join(' ')}</dd>
            <dt>Ports</dt>
            <dd>{(inspected.config?.exposed_ports ?? []).join(', ')}</dd>
            <dt>Layers</dt>
            <dd>{inspected.layers?.length ?? 0}</dd>
          </dl>
        </Section>
      )}
    </>
  );
}

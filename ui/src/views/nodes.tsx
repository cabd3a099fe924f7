import { useEffect } from 'react';
import { Badge, ErrorLine, formatBytes, formatTime, Section } from '../components/common';
import { useSession } from '../context';
import { usePoll } from '../hooks';

export interface NodeView {
  name: string;
  runtime: 'docker' | 'podman';
  host: string;
  reachable: boolean;
  error?: { code: string; message: string };
  hostname?: string;
  os?: string;
  kernel?: string;
  engine?: 'docker' | 'podman';
  engine_version?: string;
  cpus?: number;
  memory_bytes?: number;
  containers?: number;
  images?: number;
  last_seen_at?: string;
}

export interface Nodes {
  /** Names to pick from; `local` alone until the list is read. */
  names: string[];
  /** The API's nodes; undefined until read. */
  list: NodeView[] | undefined;
  error: string;
  reload: () => void;
}

export interface ViewProps {
  nodes: Nodes;
  onNode: (node: string) => void;
}

/** `GET /api/v1/nodes`, re-read every 15 s: the names for the picker and the Nodes view's cards. */
export function useNodes(): Nodes {
  const { api } = useSession();
  const loaded = usePoll(async () => (await api.get<{ nodes: NodeView[] }>('/api/v1/nodes')).nodes, 'nodes', 15_000);
  const list = loaded.data;
  return { names: list?.length ? list.map((n) => n.name) : ['local'], list, error: loaded.error, reload: loaded.reload };
}

function Fact({ name, value }: { name: string; value: string | number | undefined }) {
  if (value === undefined || value === '') return null;
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

export function NodesView({ nodes, onNode }: ViewProps) {
  const { node } = useSession();
  const { reload } = nodes;
  // Opening the view shows the state the API has now, not the one of the last 15 s poll.
  useEffect(reload, [reload]);
  return (
    <Section title="Engines">
      <ErrorLine text={nodes.error} />
      <div className="tiles">
        {nodes.list?.map((n) => (
          <article key={n.name} className={`tile ${n.reachable ? 'ok' : 'bad'}`} aria-label={`Node ${n.name}`} data-reachable={n.reachable}>
            <h3>
              {n.name} <Badge value={n.reachable ? 'reachable' : 'unreachable'} />
            </h3>
            <dl>
              <Fact name="Runtime" value={n.runtime} />
              <Fact name="Host" value={n.host} />
              <Fact name="Hostname" value={n.hostname} />
              <Fact name="OS" value={n.os} />
              <Fact name="Kernel" value={n.kernel} />
              <Fact name="Engine" value={[n.engine, n.engine_version].filter(Boolean).join(' ')} />
              <Fact name="CPUs" value={n.cpus} />
              <Fact name="Memory" value={n.memory_bytes !== undefined ? formatBytes(n.memory_bytes) : undefined} />
              <Fact name="Containers" value={n.containers} />
              <Fact name="Images" value={n.images} />
              <Fact name="Last seen" value={formatTime(n.last_seen_at)} />
            </dl>
            <ErrorLine text={n.error?.message ?? ''} />
            <button type="button" onClick={() => onNode(n.name)} aria-pressed={node === n.name} aria-label={`Show node ${n.name}`}>
              {node === n.name ? 'Shown' : 'Show this node'}
            </button>
          </article>
        ))}
      </div>
    </Section>
  );
}

import { ApiError } from '../api';
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
  engine_version?: string;
  cpus?: number;
  memory_bytes?: number;
  containers?: number;
  images?: number;
  last_seen_at?: string;
}

export interface Nodes {
  /** Names to pick from; `local` alone when the API has no nodes routes. */
  names: string[];
  /** The API's nodes; undefined when it has no `/api/v1/nodes` (an older API). */
  list: NodeView[] | undefined;
  error: string;
}

export interface ViewProps {
  nodes: Nodes;
  onNode: (node: string) => void;
}

/** `GET /api/v1/nodes`; a 404 means an API without nodes, which has only `local`. */
export function useNodes(): Nodes {
  const { api } = useSession();
  const loaded = usePoll(
    async () => {
      try {
        return (await api.get<{ nodes: NodeView[] }>('/api/v1/nodes')).nodes;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    'nodes',
    15_000,
  );
  const list = loaded.data ?? undefined;
  return { names: list?.length ? list.map((n) => n.name) : ['local'], list, error: loaded.error };
}

/** What an API without nodes routes has: its own engine. */
const LOCAL: NodeView = { name: 'local', runtime: 'docker', host: 'the API’s own engine', reachable: true };

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
  return (
    <Section title="Engines">
      <ErrorLine text={nodes.error} />
      {!nodes.list && <p className="hint">This API has no nodes routes: it runs containers on its own engine only (`local`).</p>}
      <div className="tiles">
        {(nodes.list ?? [LOCAL]).map((n) => (
          <article key={n.name} className={`tile ${n.reachable ? 'ok' : 'bad'}`} aria-label={`Node ${n.name}`}>
            <h3>
              {n.name} <Badge value={n.reachable ? 'reachable' : 'unreachable'} />
            </h3>
            <dl>
              <Fact name="Runtime" value={n.runtime} />
              <Fact name="Host" value={n.host} />
              <Fact name="Hostname" value={n.hostname} />
              <Fact name="OS" value={n.os} />
              <Fact name="Kernel" value={n.kernel} />
              <Fact name="Engine" value={n.engine_version} />
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

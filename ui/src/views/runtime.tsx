import { Badge, ErrorLine, Section } from '../components/common';
import { useSession } from '../context';
import { usePoll } from '../hooks';

interface RuntimeInfo {
  runtime: string;
  socket_path: string;
  rootless: boolean;
  build_dir: string;
  engine: Record<string, string>;
  containers: Record<string, number>;
  images: number;
}

interface Health {
  status: string;
  engine: string;
  redis: string;
}

export function RuntimeView() {
  const { api } = useSession();
  const info = usePoll(() => api.get<RuntimeInfo>('/api/v1/runtime/info'), 'info', 10_000);
  // /healthy answers 503 with the same shape when something is down: show it, not only the error.
  const health = usePoll(
    async () => {
      const res = await fetch('/api/v1/healthy', { cache: 'no-store' });
      return (await res.json()) as Health & { error?: { message: string; details?: Health } };
    },
    'health',
    5_000,
  );
  const h = health.data?.error?.details ?? health.data;
  const i = info.data;
  return (
    <>
      <Section title="Health">
        <ErrorLine text={health.error} />
        {h && (
          <p className="facts" aria-label="Health status">
            Overall <Badge value={health.data?.error ? 'down' : h.status} /> Engine <Badge value={h.engine} /> Redis <Badge value={h.redis} />
          </p>
        )}
        {health.data?.error && <ErrorLine text={health.data.error.message} />}
      </Section>
      <Section title="Runtime">
        <ErrorLine text={info.error} />
        {i && (
          <dl className="facts-list" aria-label="Runtime info">
            <dt>Runtime</dt>
            <dd>{i.runtime}</dd>
            <dt>Socket</dt>
            <dd>{i.socket_path}</dd>
            <dt>Rootless</dt>
            <dd>{i.rootless ? 'yes' : 'no'}</dd>
            <dt>Build directory</dt>
            <dd>{i.build_dir}</dd>
            {Object.entries(i.engine).map(([k, v]) => (
              <FactRow key={`e-${k}`} name={`Engine ${k.replace(/_/g, ' ')}`} value={String(v)} />
            ))}
            {Object.entries(i.containers).map(([k, v]) => (
              <FactRow key={`c-${k}`} name={`Containers ${k}`} value={String(v)} />
            ))}
            <dt>Images</dt>
            <dd>{i.images}</dd>
          </dl>
        )}
      </Section>
    </>
  );
}

function FactRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

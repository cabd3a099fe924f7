import { useState, type FormEvent } from 'react';
import { Badge, ErrorLine, Section } from '../components/common';
import { useSession } from '../context';
import { useAction, usePoll } from '../hooks';
import { AppDetail } from './app-detail';
import type { AppView } from './app-view';

/** Apps with their status, URL and live release; the chosen one's detail below. */
export function AppsView() {
  const { api } = useSession();
  const [chosen, setChosen] = useState<string>();
  const apps = usePoll(() => api.get<{ apps: AppView[] }>('/api/v1/apps'), 'apps', 3000);
  const app = apps.data?.apps.find((a) => a.name === chosen);
  return (
    <>
      <Section title="Apps">
        <ErrorLine text={apps.error} />
        {apps.data?.apps.length === 0 && <p className="hint">No apps yet: create one below.</p>}
        <div className="tiles">
          {apps.data?.apps.map((a) => (
            <article key={a.name} className={`tile app state-${a.status}`} aria-label={`App ${a.name}`} data-status={a.status}>
              <h3>
                {a.name} <Badge value={a.status} />
              </h3>
              <p className="small">{a.source.type === 'image' ? a.source.image : `${a.source.git_repo} ${a.source.git_branch ?? ''}`}</p>
              <p className="small">Live release: {a.live_release ?? 'none'}</p>
              {a.urls.map((u) => (
                <p key={u} className="small">
                  <a href={u} target="_blank" rel="noreferrer noopener">
                    {u}
                  </a>
                </p>
              ))}
              <button type="button" onClick={() => setChosen(a.name)} aria-pressed={chosen === a.name} aria-label={`Open app ${a.name}`}>
                Open
              </button>
            </article>
          ))}
        </div>
      </Section>
      {app && <AppDetail key={app.name} app={app} onChanged={apps.reload} onDeleted={() => setChosen(undefined)} />}
      <CreateApp
        onCreated={(name) => {
          apps.reload();
          setChosen(name);
        }}
      />
    </>
  );
}

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const EMPTY = { name: '', image: '', git_repo: '', git_branch: 'main', buildpack_type: 'nixpacks', port: '', domains: '' };

/** The common fields of `POST /apps`; everything else stays at the API's defaults (PATCH later). */
function CreateApp({ onCreated }: { onCreated: (name: string) => void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<'image' | 'git'>('image');
  const [form, setForm] = useState(EMPTY);
  const [secret, setSecret] = useState('');
  const action = useAction();
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { name: form.name.trim(), domains: list(form.domains) };
    if (form.port.trim()) body.port = Number(form.port);
    if (kind === 'image') body.image = form.image.trim();
    else Object.assign(body, { git_repo: form.git_repo.trim(), git_branch: form.git_branch.trim() || undefined, buildpack_type: form.buildpack_type });
    let created: { webhook_secret?: string } = {};
    const ok = await action.run(async () => {
      created = await api.send<{ webhook_secret?: string }>('POST', '/api/v1/apps', body);
    });
    if (!ok) return;
    setSecret(kind === 'git' ? (created.webhook_secret ?? '') : '');
    setForm(EMPTY);
    onCreated(String(body.name));
  };

  return (
    <Section title="New app">
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="New app">
        <label>
          Name
          <input value={form.name} onChange={set('name')} required />
        </label>
        <fieldset>
          <legend>Source</legend>
          <label className="inline">
            <input type="radio" name="kind" checked={kind === 'image'} onChange={() => setKind('image')} /> Image
          </label>
          <label className="inline">
            <input type="radio" name="kind" checked={kind === 'git'} onChange={() => setKind('git')} /> Git repository
          </label>
        </fieldset>
        {kind === 'image' ? (
          <label>
            Image
            <input value={form.image} onChange={set('image')} placeholder="registry.lan:5000/team/app:1" required />
          </label>
        ) : (
          <>
            <label>
              Git repository
              <input value={form.git_repo} onChange={set('git_repo')} placeholder="https://git.example/team/app.git" required />
            </label>
            <label>
              Branch
              <input value={form.git_branch} onChange={set('git_branch')} />
            </label>
            <label>
              Buildpack
              <select value={form.buildpack_type} onChange={set('buildpack_type')}>
                {['nixpacks', 'dockerfile', 'static', 'docker-compose'].map((b) => (
                  <option key={b}>{b}</option>
                ))}
              </select>
            </label>
          </>
        )}
        <label>
          Port
          <input value={form.port} onChange={set('port')} inputMode="numeric" placeholder="the image's or 3000" />
        </label>
        <label>
          Domains
          <input value={form.domains} onChange={set('domains')} placeholder="app.example.com, www.example.com" />
        </label>
        <button type="submit" disabled={action.busy}>
          Create app
        </button>
        <ErrorLine text={action.error} />
        {secret && (
          <p className="notice" role="status">
            Webhook secret (shown once): <code>{secret}</code>{' '}
            <button type="button" onClick={() => setSecret('')}>
              Hide secret
            </button>
          </p>
        )}
      </form>
    </Section>
  );
}

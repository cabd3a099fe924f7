import { useState, type FormEvent } from 'react';
import { seg } from '../api';
import { ErrorLine } from '../components/common';
import { useSession } from '../context';
import { useAction } from '../hooks';
import type { AppView } from './app-view';

/**
 * Runtime variables by name (values are write-only: the API never answers them) and domains.
 * A change makes a new release on the next deployment, as the API documents.
 */
export function AppSettings({ app, onChanged }: { app: AppView; onChanged: () => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [domain, setDomain] = useState('');
  const action = useAction();
  const patch = (body: Record<string, unknown>) => action.run(() => api.send('PATCH', `/api/v1/apps/${seg(app.name)}`, body)).then((ok) => (onChanged(), ok));

  const setVar = async (e: FormEvent) => {
    e.preventDefault();
    if (await patch({ env: { [name.trim()]: value } })) {
      setName('');
      setValue('');
    }
  };
  const addDomain = async (e: FormEvent) => {
    e.preventDefault();
    if (await patch({ domains: [...app.domains, domain.trim()] })) setDomain('');
  };

  return (
    <div className="settings">
      <h3>Environment</h3>
      <ul className="chips" aria-label="Environment variable names">
        {app.env.map((n) => (
          <li key={n}>
            <code>{n}</code>
            <button type="button" aria-label={`Remove variable ${n}`} onClick={() => void patch({ env: { [n]: null } })}>
              ×
            </button>
          </li>
        ))}
        {app.env.length === 0 && <li className="hint">none</li>}
      </ul>
      <form className="form inline-form" onSubmit={(e) => void setVar(e)} aria-label="Set a variable">
        <label>
          Variable name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Value (write-only)
          <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" disabled={action.busy}>
          Set variable
        </button>
      </form>
      <h3>Domains</h3>
      <ul className="chips" aria-label="Domains">
        {app.domains.map((d) => (
          <li key={d}>
            <code>{d}</code>
            <button type="button" aria-label={`Remove domain ${d}`} onClick={() => void patch({ domains: app.domains.filter((x) => x !== d) })}>
              ×
            </button>
          </li>
        ))}
        {app.domains.length === 0 && <li className="hint">none</li>}
      </ul>
      <form className="form inline-form" onSubmit={(e) => void addDomain(e)} aria-label="Add a domain">
        <label>
          Domain
          <input value={domain} onChange={(e) => setDomain(e.target.value)} required />
        </label>
        <button type="submit" disabled={action.busy}>
          Add domain
        </button>
      </form>
      <ErrorLine text={action.error} />
    </div>
  );
}

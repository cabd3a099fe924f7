import { useState, type FormEvent } from 'react';
import { createApi, errorText } from '../api';

/** Takes the API token and checks it with one authenticated call before keeping it. */
export function Login({ onSignIn }: { onSignIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await createApi(token.trim(), () => undefined).get('/api/v1/runtime/info');
      onSignIn(token.trim());
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <h1>Berth</h1>
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} required />
        <p className="hint">
          The token of <code>[auth] tokens</code>, or <code>npm run token</code>. It is kept in this tab only.
        </p>
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

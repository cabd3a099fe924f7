import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi } from './api';
import { SessionContext } from './context';
import { Login } from './views/login';
import { Shell } from './views/shell';

/** The token lives in this tab's session storage only: never in a URL, a cookie or local storage. */
const TOKEN_KEY = 'berth.token';

export function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [node, setNode] = useState('local');
  const signOut = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken('');
  }, []);
  const api = useMemo(() => createApi(token, signOut), [token, signOut]);

  useEffect(() => {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
  }, [token]);

  if (!token) return <Login onSignIn={setToken} />;
  return (
    <SessionContext.Provider value={{ api, node }}>
      <Shell node={node} onNode={setNode} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

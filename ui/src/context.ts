import { createContext, useContext } from 'react';
import type { Api } from './api';

export interface Session {
  api: Api;
  /** The node the containers and images views show. */
  node: string;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

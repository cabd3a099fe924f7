import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: string;
  reload: () => void;
}

/** Loads `load()` now, again whenever `key` changes, and every `everyMs` while shown (for what the API does not stream). */
export function usePoll<T>(load: () => Promise<T>, key: string, everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState('');
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let live = true;
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError('');
      },
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);

  useEffect(() => {
    setData(undefined);
  }, [key]);

  useEffect(() => {
    if (!everyMs) return;
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);

  return { data, error, reload };
}

/** Runs an action, keeps its error in the API's words, and tells when it is busy. */
export function useAction(): { busy: boolean; error: string; run: (action: () => Promise<unknown>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    try {
      await action();
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError('') };
}

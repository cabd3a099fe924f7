import { useEffect, useRef, useState } from 'react';
import { errorText } from '../api';
import { useSession } from '../context';

interface Line {
  key: number;
  text: string;
  stream?: string;
}

const MAX_LINES = 2000;

/** The text of one `log` event, whichever stream sent it (builds, deployments, containers, apps). */
function lineText(data: { text?: string; replica?: number; stream?: string }): string {
  const prefix = data.replica !== undefined ? `[${data.replica}] ` : '';
  return prefix + (data.text ?? '');
}

/** Describes an `end` event: the status and the error when the API sent one. */
function endText(data: { status?: string; state?: string; exit_code?: number; error?: { message?: string } }): string {
  const what = data.status ?? data.state ?? 'ended';
  const code = data.exit_code !== undefined ? ` (exit ${data.exit_code})` : '';
  return `${what}${code}${data.error?.message ? `: ${data.error.message}` : ''}`;
}

/** Follows a log route over Server-Sent Events (fetch + stream reader: the token goes in a header). */
export function LogView({ path, label, onEnd }: { path: string; label: string; onEnd?: () => void }) {
  const { api } = useSession();
  const [lines, setLines] = useState<Line[]>([]);
  const [end, setEnd] = useState('');
  const [error, setError] = useState('');
  const [following, setFollowing] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  // The latest callback, without restarting the stream when the parent renders a new one.
  const ended = useRef(onEnd);
  ended.current = onEnd;

  useEffect(() => {
    const abort = new AbortController();
    let n = 0;
    setLines([]);
    setEnd('');
    setError('');
    setFollowing(true);
    api
      .stream(
        path,
        (event) => {
          const data = JSON.parse(event.data) as Record<string, unknown>;
          if (event.event === 'log') setLines((old) => [...old, { key: n++, text: lineText(data), stream: data.stream as string | undefined }].slice(-MAX_LINES));
          else if (event.event === 'end') {
            setEnd(endText(data));
            ended.current?.();
          } else if (event.event === 'error') setError(typeof data.message === 'string' ? data.message : 'the stream failed');
        },
        abort.signal,
      )
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => !abort.signal.aborted && setFollowing(false));
    return () => abort.abort();
  }, [api, path]);

  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div className="log">
      <div className="log-status" aria-live="polite">
        {following ? 'Following…' : end ? `Ended: ${end}` : 'Stream closed'}
      </div>
      <pre ref={box} className="log-lines" aria-label={label} tabIndex={0}>
        {lines.map((l) => (
          <span key={l.key} className={l.stream === 'stderr' ? 'stderr' : undefined}>
            {l.text}
            {'\n'}
          </span>
        ))}
      </pre>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

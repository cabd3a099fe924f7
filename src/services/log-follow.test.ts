import type { ServerSentEvent } from '../http/sse';
import { followLog, type LoggedRecord } from './log-follow';

interface Rec extends LoggedRecord {
  status: 'running' | 'done';
}

/** A store whose record ends (with an error) after its first lines were read. */
function store(lines: string[], final: Rec | undefined) {
  let reads = 0;
  return {
    get: async (): Promise<Rec | undefined> => (reads++ === 0 ? { status: 'running' } : final),
    readLog: async (_id: string, from: number) => lines.slice(from).map((text, i) => ({ seq: from + i, time: 't', text })),
  };
}

async function collect(events: AsyncIterable<ServerSentEvent>): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const options = () => ({ fromSeq: 1, signal: new AbortController().signal, pollMs: 1 });

describe('followLog', () => {
  it('sends the lines from fromSeq, then the final status and error', async () => {
    const source = store(['a', 'b', 'c'], { status: 'done', error: { code: 'x', message: 'failed' } });
    const events = await collect(followLog(source, 'r1', (r) => r.status === 'done', options()));
    expect(events).toEqual([
      { id: '1', event: 'log', data: { seq: 1, time: 't', text: 'b' } },
      { id: '2', event: 'log', data: { seq: 2, time: 't', text: 'c' } },
      { event: 'end', data: { status: 'done', error: { code: 'x', message: 'failed' } } },
    ]);
  });

  it('ends with status deleted when the record goes away', async () => {
    const events = await collect(followLog(store([], undefined), 'r1', () => false, options()));
    expect(events).toEqual([{ event: 'end', data: { status: 'deleted' } }]);
  });
});

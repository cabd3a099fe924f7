import { describe, expect, it } from '@jest/globals';
import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('parses events with ids, types and JSON data, skipping keep-alive comments', () => {
    const p = new SseParser();
    const text = ': keep-alive\n\nid: 3\nevent: log\ndata: {"seq":3,"text":"hi"}\n\nevent: end\ndata: {"status":"succeeded"}\n\n';
    expect(p.push(text)).toEqual([
      { event: 'log', data: '{"seq":3,"text":"hi"}', id: '3' },
      { event: 'end', data: '{"status":"succeeded"}', id: '3' },
    ]);
  });

  it('joins chunks cut anywhere, CRLF split across chunks included', () => {
    const text = 'event: log\r\ndata: {"text":"a b"}\r\n\r\nevent: log\ndata: x\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events).toEqual([
        { event: 'log', data: '{"text":"a b"}' },
        { event: 'log', data: 'x' },
      ]);
    }
  });

  it('joins multi-line data, defaults the type to message and ignores events without data', () => {
    const p = new SseParser();
    expect(p.push('data: one\ndata:two\n\nevent: empty\n\ndata\n\n')).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'message', data: '' },
    ]);
  });

  it('keeps an unfinished event until its blank line arrives', () => {
    const p = new SseParser();
    expect(p.push('event: log\ndata: 1\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'log', data: '1' }]);
  });
});

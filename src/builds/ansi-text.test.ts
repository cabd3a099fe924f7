import { stripAnsi } from './ansi-text';

const ESC = '\x1b';

describe('stripAnsi', () => {
  it.each([
    ['plain text', 'added 57 packages in 2s', 'added 57 packages in 2s'],
    ['an empty line', '', ''],
    ['brackets without ESC', '[31m is not a sequence [1/4]', '[31m is not a sequence [1/4]'],
    [
      'npm warnings in colour',
      `${ESC}[37;40mnpm${ESC}[0m ${ESC}[0m${ESC}[30;43mWARN${ESC}[0m ${ESC}[0m${ESC}[35mdeprecated${ESC}[0m inflight@1.0.6: This module is not supported`,
      'npm WARN deprecated inflight@1.0.6: This module is not supported',
    ],
    ['npm 10 notice', `${ESC}[1mnpm${ESC}[22m ${ESC}[96mnotice${ESC}[39m New ${ESC}[31mmajor${ESC}[39m version`, 'npm notice New major version'],
    ['yarn classic steps with erase-line and cursor moves', `${ESC}[2K${ESC}[1G${ESC}[1myarn install v1.22.19${ESC}[22m`, 'yarn install v1.22.19'],
    ['yarn step counter', `${ESC}[2m[1/4]${ESC}[22m Resolving packages...`, '[1/4] Resolving packages...'],
    ['yarn berry codes', `${ESC}[94m➤${ESC}[39m YN0000: ┌ Resolution step`, '➤ YN0000: ┌ Resolution step'],
    ['256 and true colour', `${ESC}[38;5;208morange${ESC}[48;2;10;20;30m bg${ESC}[m`, 'orange bg'],
    ['private modes (cursor hidden)', `${ESC}[?25lprogress${ESC}[?25h`, 'progress'],
    ['a window title ended by BEL', `${ESC}]0;npm install${'\x07'}done`, 'done'],
    ['a hyperlink ended by ST', `see ${ESC}]8;;https://example.test/docs${ESC}\\the docs${ESC}]8;;${ESC}\\ now`, 'see the docs now'],
    ['a DCS string', `a${ESC}Pq#0;2;0;0;0${ESC}\\b`, 'ab'],
    ['charset and two-byte escapes', `${ESC}(Bx${ESC}7y${ESC}8${ESC}=z`, 'xyz'],
    ['C1 CSI and OSC', `\u009b31mred\u009b0m \u009d0;title\u009cok`, 'red ok'],
    ['a sequence cut off by the end of the line', `text${ESC}[38;5`, 'text'],
    ['an unterminated title', `text${ESC}]0;never ended`, 'text'],
    ['a lone ESC at the end', `text${ESC}`, 'text'],
    ['a CSI broken by a byte outside its ranges keeps that byte', `a${ESC}[31\u00e9b`, 'a\u00e9b'],
    ['ESC before a character that ends nothing', `a${ESC}\nb`, 'a\nb'],
  ])('%s', (_name, input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });

  it('returns the same string when there is nothing to strip', () => {
    const text = 'npm ci --no-audit';
    expect(stripAnsi(text)).toBe(text);
  });

  it('handles long hostile lines in one pass: many unterminated introducers and a huge parameter run', () => {
    const introducers = `${ESC}[`.repeat(100_000);
    // Each `ESC [` breaks the CSI before it (ESC is outside its ranges); the last takes `e` as its final byte.
    expect(stripAnsi(`${introducers}end`)).toBe('nd');
    expect(stripAnsi(`${ESC}[${'1;'.repeat(200_000)}mtext`)).toBe('text');
    expect(stripAnsi(`x${ESC}]${'a'.repeat(500_000)}`)).toBe('x');
    expect(stripAnsi(`${ESC}[1m`.repeat(100_000) + 'bold')).toBe('bold');
  });
});

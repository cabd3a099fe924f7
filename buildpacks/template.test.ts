import { fillTemplate } from './template';

describe('fillTemplate', () => {
  const template = 'FROM {{image}}\n{{steps}}\n  {{indented}}\nEND';

  it('fills inline values and expands line lists with their indent', () => {
    expect(fillTemplate(template, { image: 'node:20', steps: ['RUN a', 'RUN b'], indented: ['x;', 'y;'] })).toBe('FROM node:20\nRUN a\nRUN b\n  x;\n  y;\nEND');
  });

  it('drops the line of an empty placeholder', () => {
    expect(fillTemplate(template, { image: 'node:20', steps: [], indented: '' })).toBe('FROM node:20\nEND');
  });

  it('fails loudly on a placeholder without a value', () => {
    expect(() => fillTemplate(template, { image: 'node:20', steps: [] })).toThrow('{{indented}}');
  });

  it('refuses multi-line text inside a line', () => {
    expect(() => fillTemplate(template, { image: 'a\nRUN id', steps: [], indented: [] })).toThrow('single-line');
  });
});

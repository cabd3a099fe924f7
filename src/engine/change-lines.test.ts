import { changeLines } from './change-lines';

describe('changeLines', () => {
  const changes = { cmd: ['sh', '-c', 'echo "hi"'], env: { A: 'a "b" \\c $HOME' }, workdir: '/srv', expose: ['8080/tcp'], labels: { team: 'x y' } };

  it('escapes quotes, backslashes and $ for Docker, which reads Dockerfile words', () => {
    expect(changeLines(changes, 'docker')).toEqual([
      'CMD ["sh","-c","echo \\"hi\\""]',
      'ENV A="a \\"b\\" \\\\c \\$HOME"',
      'WORKDIR /srv',
      'EXPOSE 8080/tcp',
      'LABEL team="x y"',
    ]);
  });

  it('only wraps values in quotes for Podman, which strips one pair and reads nothing else', () => {
    expect(changeLines(changes, 'podman')).toEqual(['CMD ["sh","-c","echo \\"hi\\""]', 'ENV A="a "b" \\c $HOME"', 'WORKDIR /srv', 'EXPOSE 8080/tcp', 'LABEL team="x y"']);
  });
});

import { joinRelativePath, normaliseRelativePath, parentDirectory } from './paths';
import { PlanError } from './plan';

describe('normaliseRelativePath', () => {
  it.each([
    ['.', ''],
    ['', ''],
    ['./', ''],
    ['./dist/', 'dist'],
    ['a/./b/../c', 'a/c'],
    ['docker/Dockerfile', 'docker/Dockerfile'],
  ])('%j becomes %j', (path, expected) => {
    expect(normaliseRelativePath(path, 'f')).toBe(expected);
  });

  it.each(['/etc/passwd', '~/x', '..', '../x', 'a/../../x', 'C:\\x', 'a\nb', 'a\0b'])('refuses %j', (path) => {
    expect(() => normaliseRelativePath(path, 'field.path')).toThrow(PlanError);
    expect(() => normaliseRelativePath(path, 'field.path')).toThrow(expect.objectContaining({ field: 'field.path' }));
  });
});

describe('joinRelativePath', () => {
  it('resolves against a folder and stays inside the repository', () => {
    expect(joinRelativePath('deploy', '../web', 'f')).toBe('web');
    expect(joinRelativePath('', '.', 'f')).toBe('');
    expect(() => joinRelativePath('deploy', '../../x', 'f')).toThrow(PlanError);
    expect(() => joinRelativePath('deploy', '/srv', 'f')).toThrow(PlanError);
  });

  it('gives parent folders', () => {
    expect(parentDirectory('docker-compose.yml')).toBe('');
    expect(parentDirectory('deploy/compose.yml')).toBe('deploy');
  });
});

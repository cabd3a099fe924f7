import { MemoryWorkspace } from './memory-workspace';

describe('MemoryWorkspace', () => {
  const workspace = new MemoryWorkspace({ 'package.json': '{}', 'src/index.ts': 'x', 'src/lib/a.ts': 'y', '.env': '' });

  it('reads files and not directories', () => {
    expect(workspace.readFile('src/index.ts')).toBe('x');
    expect(workspace.readFile('src')).toBeUndefined();
    expect(workspace.readFile('missing')).toBeUndefined();
  });

  it('knows files, implicit directories and the root exist', () => {
    expect(workspace.exists('package.json')).toBe(true);
    expect(workspace.exists('src/lib')).toBe(true);
    expect(workspace.exists('')).toBe(true);
    expect(workspace.exists('sr')).toBe(false);
  });

  it('lists the direct entries of a directory', () => {
    expect(workspace.list('')).toEqual(['.env', 'package.json', 'src']);
    expect(workspace.list('src')).toEqual(['index.ts', 'lib']);
    expect(workspace.list('nope')).toEqual([]);
  });
});

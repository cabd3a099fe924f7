import {
  argLines,
  assertEnvName,
  buildArgValues,
  assertImageRef,
  assertPlainPath,
  cmdShell,
  envLine,
  envLines,
  quoteEnvValue,
  runShell,
  shellWord,
} from './dockerfile-text';
import { PlanError } from './plan';

/** Reads a `RUN [...]`/`CMD [...]` line back the way the builder does: as a JSON array. */
function execArgs(line: string): unknown {
  return JSON.parse(line.replace(/^(RUN|CMD) /, ''));
}

describe('runShell / cmdShell', () => {
  it('writes the exec form with sh -c', () => {
    expect(runShell('npm ci', 'f')).toBe('RUN ["sh","-c","npm ci"]');
    expect(cmdShell('npm start', 'f')).toBe('CMD ["sh","-c","npm start"]');
  });

  it('keeps quotes, brackets, $ and backslashes inside the one JSON string', () => {
    const command = 'echo "]"; echo \\"x\\" $HOME `id` \'q\'';
    const line = cmdShell(command, 'start');
    expect(line).toBe('CMD ["sh","-c","echo \\"]\\"; echo \\\\\\"x\\\\\\" $HOME `id` \'q\'"]');
    expect(execArgs(line)).toEqual(['sh', '-c', command]);
  });

  it('cannot be closed early by "]', () => {
    const line = runShell('x"] && RUN ["rm","-rf","/', 'build');
    expect(line.split('\n')).toHaveLength(1);
    expect(execArgs(line)).toEqual(['sh', '-c', 'x"] && RUN ["rm","-rf","/']);
  });

  it('does not end with a backslash that would continue the line', () => {
    const line = runShell('echo \\', 'build');
    expect(line.endsWith(']')).toBe(true);
    expect(execArgs(line)).toEqual(['sh', '-c', 'echo \\']);
  });

  it.each([
    ['a newline', 'npm start\nRUN rm -rf /'],
    ['a carriage return', 'npm start\rRUN rm -rf /'],
    ['a CRLF', 'npm start\r\nRUN rm -rf /'],
    ['NUL', 'npm start\0'],
  ])('refuses %s with a PlanError naming the field', (_, command) => {
    expect(() => cmdShell(command, 'start')).toThrow(PlanError);
    expect(() => cmdShell(command, 'start')).toThrow(expect.objectContaining({ code: 'invalid_repository', field: 'start' }));
  });
});

describe('ENV values', () => {
  it('double-quotes plain values', () => {
    expect(envLine('API_URL', 'https://api.example.com/v1', 'env')).toBe('ENV API_URL="https://api.example.com/v1"');
  });

  it('escapes $ so variables are not expanded by the builder', () => {
    expect(quoteEnvValue('$HOME and ${PATH}', 'env')).toBe('"\\$HOME and \\${PATH}"');
  });

  it('escapes double quotes and backslashes', () => {
    expect(quoteEnvValue('say "hi" C:\\dir\\', 'env')).toBe('"say \\"hi\\" C:\\\\dir\\\\"');
  });

  it('keeps single quotes, spaces, = and # literally', () => {
    expect(quoteEnvValue("it's a=b # not a comment", 'env')).toBe('"it\'s a=b # not a comment"');
  });

  it('writes empty values', () => {
    expect(envLine('EMPTY', '', 'env')).toBe('ENV EMPTY=""');
  });

  it('refuses a value that tries to start a new instruction', () => {
    expect(() => envLine('X', 'v"\nRUN rm -rf /', 'env')).toThrow(expect.objectContaining({ field: 'env.X' }));
    expect(() => envLine('X', 'v\0', 'env')).toThrow(PlanError);
  });

  it.each(['1ABC', 'A-B', 'A B', 'A=B', '$A', 'A\nRUN', ''])('refuses the name %j', (name) => {
    expect(() => envLine(name, 'v', 'env')).toThrow(PlanError);
    expect(() => assertEnvName(name, 'env')).toThrow(PlanError);
  });

  it('writes one line per variable sorted by name', () => {
    expect(envLines({ ZED: '1', ALPHA: 'a b', _UNDER: '$' }, 'env')).toEqual(['ENV ALPHA="a b"', 'ENV ZED="1"', 'ENV _UNDER="\\$"']);
  });
});

describe('image references and paths', () => {
  it.each(['node:20-alpine', 'registry.local:5000/team/app:1.2', 'nginx@sha256:abc123'])('accepts %s', (image) => {
    expect(assertImageRef(image, 'images.node')).toBe(image);
  });

  it.each(['node:20 AS x', 'node\nRUN id', '', '-node', 'node:$TAG'])('refuses the image %j', (image) => {
    expect(() => assertImageRef(image, 'images.node')).toThrow(expect.objectContaining({ field: 'images.node' }));
  });

  it.each(['dist', 'build/web', 'out@2', 'a.b-c_d+e'])('accepts the COPY path %s', (path) => {
    expect(assertPlainPath(path, 'static.outputDir')).toBe(path);
  });

  it.each(['my site', '$OUT', 'dist/*', 'd[1]', 'a\nRUN id', 'x"y'])('refuses the COPY path %j', (path) => {
    expect(() => assertPlainPath(path, 'static.outputDir')).toThrow(PlanError);
  });
});

describe('shellWord', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellWord('dist/server.js')).toBe('dist/server.js');
    expect(shellWord('my app.js')).toBe("'my app.js'");
    expect(shellWord("it's;rm -rf /")).toBe("'it'\\''s;rm -rf /'");
  });
});

describe('argLines and buildArgValues', () => {
  it('declares each name without its value, sorted', () => {
    expect(argLines({ TOKEN: 'secret-value', API: 'x' }, 'env')).toEqual(['ARG API', 'ARG TOKEN']);
    expect(argLines({}, 'env')).toEqual([]);
  });

  it('refuses names that are not variable names and values with line breaks, naming the field', () => {
    expect(() => argLines({ 'A\nRUN id': 'v' }, 'env')).toThrow(expect.objectContaining({ field: 'env.A\nRUN id' }));
    expect(() => buildArgValues({ A: 'v\rRUN id' }, 'env')).toThrow(expect.objectContaining({ field: 'env.A' }));
    expect(() => buildArgValues({ 'A=B': 'v' }, 'env')).toThrow(expect.objectContaining({ field: 'env.A=B' }));
    expect(buildArgValues({ A: 'a"b$c\\' }, 'env')).toEqual({ A: 'a"b$c\\' });
  });
});

import { findHeredoc } from './heredoc';
import { PlanError } from '../plan';
import { testSettings } from '../testing/settings';
import { dockerfileBuildpack } from './dockerfile.buildpack';

describe('findHeredoc', () => {
  it.each([
    ['FROM a\nRUN <<EOF\necho hi\nEOF\n', 2, 'RUN <<EOF'],
    ['FROM a\n\nrun <<-"SCRIPT" bash\nset -e\nSCRIPT\n', 3, 'run <<-"SCRIPT" bash'],
    ["FROM a\nCOPY <<'CONF' /etc/app.conf\nx=1\nCONF\n", 2, "COPY <<'CONF' /etc/app.conf"],
    ['FROM a\nRUN apt-get update && \\\n    cat <<EOF > /f\nx\nEOF\n', 3, 'cat <<EOF > /f'],
    ['FROM a\r\nRUN python3 <<PY\r\nprint(1)\r\nPY\r\n', 2, 'RUN python3 <<PY'],
  ])('finds the heredoc of %j on line %i', (text, line, instruction) => {
    expect(findHeredoc(text)).toEqual({ line, text: instruction });
  });

  it.each([
    'FROM a\nRUN echo hi\n',
    'FROM a\n# RUN <<EOF\nRUN echo hi\n',
    'FROM a\nRUN echo $((1<<3)) && bash -c "cat <<< hi"\n',
    'FROM a\nENV X=<<EOF\n',
    'FROM a\nRUN echo a \\\n  # RUN <<EOF\n  && echo b\n',
  ])('finds none in %j', (text) => {
    expect(findHeredoc(text)).toBeUndefined();
  });
});

describe('dockerfile buildpack and heredocs', () => {
  it('refuses a heredoc at plan time with unsupported_dockerfile, naming the line and what to use', () => {
    const files: Record<string, string> = { 'build/Dockerfile': 'FROM a\nRUN <<EOF\necho hi\nEOF\n' };
    const workspace = { readFile: (p: string) => files[p], exists: (p: string) => p in files, list: () => [] };
    const plan = () =>
      dockerfileBuildpack(workspace, { buildpackType: 'dockerfile', imageTag: 'app', env: {}, dockerfile: { dockerfilePath: 'build/Dockerfile' } }, testSettings());
    expect(plan).toThrow(PlanError);
    expect(plan).toThrow(expect.objectContaining({ code: 'unsupported_dockerfile' }));
    expect(plan).toThrow('build/Dockerfile line 2 uses a heredoc ("RUN <<EOF"), which the engine\'s builder does not support');
    expect(plan).toThrow('COPY it');
  });
});

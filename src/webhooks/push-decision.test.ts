import { decideChangedFiles, decidePush, MAX_CHANGED_FILES, type DeployTarget } from './push-decision';
import type { PushEvent } from './push-event';
import { WatchPaths } from './watch-paths';

const BEFORE = '9049f1265b7d61be4a8904a9a27120d2064dab3b';
const AFTER = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
const ZERO = '0'.repeat(40);

function push(overrides: Partial<PushEvent> = {}): PushEvent {
  return {
    provider: 'github',
    ref: 'refs/heads/main',
    branch: 'main',
    tag: null,
    before: BEFORE,
    after: AFTER,
    created: false,
    deleted: false,
    headCommitMessage: 'Fix the cart total',
    commits: [{ id: AFTER, message: 'Fix the cart total' }],
    defaultBranch: 'main',
    ...overrides,
  };
}

const main: DeployTarget = { branch: 'main' };

describe('decidePush', () => {
  it("deploys the after commit of a push to the app's branch", () => {
    expect(decidePush(push(), main)).toEqual({ action: 'deploy', commit: AFTER });
  });

  it.each<[string, Partial<PushEvent>, string]>([
    ['another branch', { ref: 'refs/heads/feature/x', branch: 'feature/x' }, 'other_branch'],
    ['a branch whose name only starts like the app branch', { ref: 'refs/heads/main2', branch: 'main2' }, 'other_branch'],
    ['a tag', { ref: 'refs/tags/main', branch: null, tag: 'main' }, 'tag_push'],
    ['a ref that is no branch', { ref: 'refs/notes/commits', branch: null }, 'not_a_branch'],
    ['the deleted app branch', { after: ZERO, deleted: true, headCommitMessage: null, commits: [] }, 'branch_deleted'],
    ['[skip ci]', { headCommitMessage: 'Update docs [skip ci]' }, 'skip_ci'],
    ['[ci skip] in the body', { headCommitMessage: 'Update docs\n\nNothing to build. [ci skip]' }, 'skip_ci'],
    ['[SKIP-CI] in another case', { headCommitMessage: 'Docs [SKIP-CI]' }, 'skip_ci'],
    ['[ci_skip]', { headCommitMessage: 'Docs [ci_skip]' }, 'skip_ci'],
  ])('ignores %s', (_, overrides, reason) => {
    const decision = decidePush(push(overrides), main);
    expect(decision).toMatchObject({ action: 'ignore', reason });
    expect((decision as { message: string }).message.length).toBeGreaterThan(0);
  });

  it('ignores [skip ci] only in the head commit, as GitHub Actions and GitLab do', () => {
    const earlier = push({
      commits: [
        { id: BEFORE, message: 'WIP [skip ci]' },
        { id: AFTER, message: 'Fix the cart total' },
      ],
    });
    expect(decidePush(earlier, main)).toEqual({ action: 'deploy', commit: AFTER });
    expect(decidePush(push({ headCommitMessage: 'skip ci please [skipci]' }), main).action).toBe('deploy');
  });

  it('deploys when the payload does not carry the head message', () => {
    expect(decidePush(push({ headCommitMessage: null }), main)).toEqual({ action: 'deploy', commit: AFTER });
  });

  it('compares branch names exactly', () => {
    expect(decidePush(push(), { branch: 'Main' })).toMatchObject({ action: 'ignore', reason: 'other_branch' });
  });

  it('asks for the changed files when watch paths are set', () => {
    const target = { branch: 'main', watchPaths: WatchPaths.parse(['src/']) };
    expect(decidePush(push(), target)).toEqual({ action: 'list_changes', before: BEFORE, after: AFTER });
  });

  it('deploys a new branch without comparing: there is no before to compare with', () => {
    const target = { branch: 'main', watchPaths: WatchPaths.parse(['src/']) };
    expect(decidePush(push({ before: ZERO, created: true }), target)).toEqual({ action: 'deploy', commit: AFTER });
  });

  it('does not ask for changed files when the watch paths are empty', () => {
    expect(decidePush(push(), { branch: 'main', watchPaths: WatchPaths.parse([]) })).toEqual({ action: 'deploy', commit: AFTER });
  });

  it('still ignores other branches and [skip ci] before looking at watch paths', () => {
    const target = { branch: 'main', watchPaths: WatchPaths.parse(['src/']) };
    expect(decidePush(push({ ref: 'refs/heads/dev', branch: 'dev' }), target)).toMatchObject({ reason: 'other_branch' });
    expect(decidePush(push({ headCommitMessage: '[skip ci]' }), target)).toMatchObject({ reason: 'skip_ci' });
  });
});

describe('decideChangedFiles', () => {
  const watch = WatchPaths.parse(['src/', 'package.json', '!**/*.md']);

  it('deploys when one changed file is watched', () => {
    expect(decideChangedFiles(AFTER, watch, ['README.md', 'src/app.ts'])).toEqual({ action: 'deploy', commit: AFTER });
    expect(decideChangedFiles(AFTER, watch, ['package.json'])).toEqual({ action: 'deploy', commit: AFTER });
  });

  it('ignores a push that changed nothing watched', () => {
    expect(decideChangedFiles(AFTER, watch, ['README.md', 'src/NOTES.md', 'docs/a.txt'])).toMatchObject({ action: 'ignore', reason: 'no_watched_change' });
    expect(decideChangedFiles(AFTER, watch, [])).toMatchObject({ action: 'ignore', reason: 'no_watched_change' });
  });

  it('deploys a push with more changed files than it matches one by one', () => {
    const many = Array.from({ length: MAX_CHANGED_FILES + 1 }, (_, i) => `docs/${i}.md`);
    expect(decideChangedFiles(AFTER, watch, many)).toEqual({ action: 'deploy', commit: AFTER });
    expect(decideChangedFiles(AFTER, watch, many.slice(1))).toMatchObject({ action: 'ignore' });
  });

  it('deploys rather than spend more than its step budget on costly patterns', () => {
    const costly = WatchPaths.parse(Array.from({ length: 8 }, (_, i) => `${'*a'.repeat(20)}*${i}z`));
    const files = Array.from({ length: 50 }, (_, i) => `${'a'.repeat(100)}${i}`);
    expect(decideChangedFiles(AFTER, costly, files)).toMatchObject({ action: 'ignore', reason: 'no_watched_change' });
    expect(decideChangedFiles(AFTER, costly, files, 100_000)).toEqual({ action: 'deploy', commit: AFTER });
  });
});

import { shownKey } from './log-text';

describe('shownKey', () => {
  it.each(['providers', 'phases.build.dependsOn', 'services.web.build.cache_from', 'python311Packages.pip', 'include[0]'])('shows the plain key %s as it is', (key) => {
    expect(shownKey(key)).toBe(key);
  });

  it.each([
    ['a\nbuild succeeded', '"a\\nbuild succeeded"'],
    ['my phase', '"my phase"'],
    ['a\rb', '"a\\rb"'],
    ['', '""'],
    ['"quoted"', '"\\"quoted\\""'],
  ])('quotes %j so it stays on one line', (key, shown) => {
    expect(shownKey(key)).toBe(shown);
  });
});

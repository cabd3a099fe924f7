import { hasVariable, mayBeTrue, mayExpandTo } from './compose-values';

describe('hasVariable', () => {
  it.each(['$NET', '${NET}', '${NET:-host}', 'ho${X}st', '$$$X', 'a$'])('sees a variable in %j', (value) => {
    expect(hasVariable(value)).toBe(true);
  });

  it.each(['host', 'bridge', '$$NET', 'a$$b', ''])('sees none in %j', (value) => {
    expect(hasVariable(value)).toBe(false);
  });
});

describe('mayBeTrue', () => {
  it.each([true, 'true', 'TRUE', 'yes', 'Yes', 'y', 'on', ' on ', '${PRIVILEGED}', '${P:-true}'])('takes %j as true', (value) => {
    expect(mayBeTrue(value)).toBe(true);
  });

  it.each([false, 'false', 'no', 'off', 'n', '', 1, null, undefined, ['true'], { value: true }])('takes %j as false', (value) => {
    expect(mayBeTrue(value)).toBe(false);
  });
});

describe('mayExpandTo', () => {
  it.each(['host', '$NET', '${NET}', '${NET:-host}', '${NET-bridge}', 'ho${X}', '${A}${B}', 'h${X:-${Y}}t', '${A}o${B}'])('%j may become host', (value) => {
    expect(mayExpandTo(value, 'host')).toBe(true);
  });

  it.each(['bridge', 'hostnet', 'my-host', '${NET}-net', 'h$$ost', 'HOST', '(host)', 'ho.t'])('%j cannot become host', (value) => {
    expect(mayExpandTo(value, 'host')).toBe(false);
  });
});

import { matchesLabelFilters } from './label-filter';

describe('matchesLabelFilters', () => {
  const labels = { 'berth.instance': 'default', 'berth.build-id': 'b1', empty: '', 'a=b': 'c', eq: 'x=y' };

  it.each([
    [[], true],
    [['berth.build-id'], true],
    [['berth.instance=default'], true],
    [['berth.instance=default', 'berth.build-id'], true],
    [['berth.instance=staging'], false],
    [['berth.instance=default', 'missing'], false],
    [['empty='], true],
    [['empty=x'], false],
    [['eq=x=y'], true],
    [['berth.instance='], false],
    [['=default'], false],
    [[''], false],
  ])('%j → %s', (filters, expected) => {
    expect(matchesLabelFilters(labels, filters)).toBe(expected);
  });

  it('does not take inherited properties for labels', () => {
    expect(matchesLabelFilters({}, ['constructor'])).toBe(false);
    expect(matchesLabelFilters({}, ['toString=x'])).toBe(false);
  });
});

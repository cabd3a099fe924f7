import { ValidationError } from '../errors';
import { bundleCovers, daysLeft, nameCovers, parseBundle } from './certificate-bundle';
import { SelfSigned } from './self-signed';

describe('certificate bundles', () => {
  let pem: string;
  let other: string;

  beforeAll(async () => {
    const openssl = new SelfSigned();
    [pem, other] = await Promise.all([openssl.generate('wild.test', { names: ['*.wild.test', 'Wild.Test'], days: 10 }), openssl.generate('other.test')]);
  });

  it('reads names, validity and a PEM ready for the Runtime API (no empty line, no final newline)', () => {
    const bundle = parseBundle(`\n${pem.replace(/\n/g, '\r\n')}\n\n`, 'wild.pem');
    expect(bundle.names).toEqual(['*.wild.test', 'wild.test']);
    expect(daysLeft(bundle, new Date())).toBeGreaterThan(9.9);
    expect(daysLeft(bundle, new Date())).toBeLessThanOrEqual(10);
    expect(bundle.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[^]*-----END PRIVATE KEY-----$/);
    expect(bundle.pem).not.toMatch(/\r|\n\n/);
    expect(parseBundle(other, 'other.pem').names).toEqual(['other.test']);
  });

  it('refuses a bundle without a key, with two keys, or with a key of another certificate, naming the file only', () => {
    const [cert, key] = pem.split(/(?=-----BEGIN PRIVATE KEY-----)/) as [string, string];
    const otherKey = other.slice(other.indexOf('-----BEGIN PRIVATE KEY-----'));
    expect(() => parseBundle(cert, 'a.pem')).toThrow(ValidationError);
    expect(() => parseBundle(`${cert}${key}${key}`, 'a.pem')).toThrow(/exactly one/);
    expect(() => parseBundle(key, 'a.pem')).toThrow(/no PEM certificate/);
    let message = '';
    try {
      parseBundle(`${cert}${otherKey}`, 'a.pem');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('a.pem: the private key does not belong to the first certificate');
  });

  it.each([
    ['a.test', 'a.test', true],
    ['a.test', 'A.TEST', true],
    ['*.wild.test', 'www.wild.test', true],
    ['*.wild.test', 'wild.test', false],
    ['*.wild.test', 'a.b.wild.test', false],
    ['*.wild.test', 'evilwild.test', false],
    ['a.test', 'b.a.test', false],
  ])('name %s covers %s: %s', (name, domain, covered) => {
    expect(nameCovers(name, domain)).toBe(covered);
    expect(bundleCovers({ names: [name] }, domain)).toBe(covered);
  });
});

import { ProxyError } from '../errors';
import { certCommandSucceeded, parseCertStore, parseCrtList } from './haproxy-tls.output';

// Answers as HAProxy 2.6.12 gives them.
describe('HAProxy TLS answers', () => {
  it('reads the certificates of a crt-list, options aside', () => {
    expect(parseCrtList('# /d/certs.list\n/d/certs/a.pem\n/d/certs/b.pem [alpn h2]\n\n')).toEqual(['/d/certs/a.pem', '/d/certs/b.pem']);
    expect(parseCrtList('# /d/certs.list\n')).toEqual([]);
    expect(() => parseCrtList("didn't find the specified filename\n")).toThrow(ProxyError);
  });

  it('reads the certificate store', () => {
    expect(parseCertStore('# filename\n/d/certs/a.pem\n/d/default.pem\n\n')).toEqual(['/d/certs/a.pem', '/d/default.pem']);
    expect(() => parseCertStore('Unknown command\n')).toThrow(ProxyError);
  });

  it.each([
    ["New empty certificate store '/d/a.pem'!\n", true],
    ['Transaction created for certificate /d/a.pem!\n', true],
    ['Committing /d/a.pem\nSuccess!\n', true],
    ["Inserting certificate '/d/a.pem' in crt-list '/d/certs.list'.\nSuccess!\n", true],
    ["Entry '/d/a.pem' deleted in crtlist '/d/certs.list'!\n", true],
    ["Certificate '/d/a.pem' deleted!\n", true],
    ["Certificate '/d/a.pem' already exists!\n", false],
    ["Can't remove the certificate: certificate '/d/a.pem' in use, can't be deleted!\n", false],
    ["Can't edit the crt-list: certificate '/d/x.pem' does not exist!\n", false],
    ['unable to load the certificate\n', false],
  ])('tells success from refusal: %j', (answer, ok) => {
    expect(certCommandSucceeded(answer)).toBe(ok);
  });
});

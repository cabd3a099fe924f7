import { createHmac } from 'node:crypto';
import { isKnownKey, knownHostName, parseKnownHosts } from './known-hosts';

const KEY = Buffer.from('ssh-ed25519-key-blob');
const B64 = KEY.toString('base64');

describe('known hosts', () => {
  it('accepts the key listed for the host and port, and no other', () => {
    const entries = parseKnownHosts(`# comment\n[127.0.0.1]:2222,other ssh-ed25519 ${B64}\nbad line\n`);
    expect(isKnownKey(entries, knownHostName('127.0.0.1', 2222), KEY)).toBe(true);
    expect(isKnownKey(entries, knownHostName('127.0.0.1', 22), KEY)).toBe(false);
    expect(isKnownKey(entries, 'other', Buffer.from('another key'))).toBe(false);
  });

  it('matches hashed host names', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('node.lan').digest('base64');
    const entries = parseKnownHosts(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${B64}\n`);
    expect(isKnownKey(entries, 'node.lan', KEY)).toBe(true);
    expect(isKnownKey(entries, 'node2.lan', KEY)).toBe(false);
  });

  it('skips revoked and CA markers rather than trusting them', () => {
    expect(parseKnownHosts(`@revoked node ssh-ed25519 ${B64}\n@cert-authority * ssh-ed25519 ${B64}\n`)).toEqual([]);
  });
});

import { displayAddress, parseNodeAddress, publishIp, replicaAddress } from './node-address';

describe('parseNodeAddress', () => {
  it.each([
    ['unix:///run/docker-2.sock', { kind: 'unix', socketPath: '/run/docker-2.sock' }, 'unix:///run/docker-2.sock'],
    ['tcp://10.0.0.5:2376', { kind: 'tcp', host: '10.0.0.5', port: 2376 }, 'tcp://10.0.0.5:2376'],
    ['tcp://[::1]:2376', { kind: 'tcp', host: '::1', port: 2376 }, 'tcp://[::1]:2376'],
    ['ssh://berth@node.lan', { kind: 'ssh', user: 'berth', host: 'node.lan', port: 22 }, 'ssh://berth@node.lan:22'],
    ['ssh://berth@127.0.0.1:2222', { kind: 'ssh', user: 'berth', host: '127.0.0.1', port: 2222 }, 'ssh://berth@127.0.0.1:2222'],
  ])('%s', (value, parsed, shown) => {
    expect(parseNodeAddress(value)).toEqual(parsed);
    expect(displayAddress(parseNodeAddress(value))).toBe(shown);
  });

  it.each([
    ['unix://relative.sock', /absolute/],
    ['tcp://10.0.0.5', /port/],
    ['tcp://u@10.0.0.5:2376', /no user/],
    ['ssh://node.lan', /needs a user/],
    ['ssh://u:secret@node.lan', /no query, fragment or password/],
    ['tcp://10.0.0.5:2376/path', /no path/],
    ['http://10.0.0.5:2375', /must start with/],
  ])('refuses %s', (value, message) => {
    expect(() => parseNodeAddress(value)).toThrow(message);
  });
});

describe('replicaAddress', () => {
  it.each([
    [{ host: 'unix:///run/docker-2.sock' }, '127.0.0.1'],
    [{ host: 'tcp://10.0.0.5:2376' }, '10.0.0.5'],
    [{ host: 'ssh://berth@10.0.0.6' }, '10.0.0.6'],
    [{ host: 'ssh://berth@node.lan' }, undefined],
    [{ host: 'tcp://[::1]:2376' }, undefined],
    [{ host: 'ssh://berth@node.lan', address: '10.0.0.7' }, '10.0.0.7'],
    [{ host: 'unix:///run/docker-2.sock', address: '10.0.0.8' }, '10.0.0.8'],
  ])('%j -> %s', (node, expected) => {
    expect(replicaAddress(node)).toBe(expected);
  });
});

describe('publishIp', () => {
  it('publishes on loopback only when the proxy reaches the node there', () => {
    expect(publishIp('127.0.0.1')).toBe('127.0.0.1');
    expect(publishIp('10.0.0.5')).toBe('0.0.0.0');
  });
});

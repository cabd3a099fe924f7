import { displayAddress, parseNodeAddress } from './node-address';

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

import type { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

/** What the edge answered, with the certificate it served over TLS. */
export interface HostAnswer {
  status: number;
  body: string;
  location?: string;
  cert?: X509Certificate;
}

/** GET to 127.0.0.1 with `Host: host`, one connection of its own; fails after `timeoutMs` without an answer. */
export function getVia(port: number, host: string, path = '/', timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** GET to 127.0.0.1 with `Host: host`, one connection of its own, with the redirect it answers. */
export function httpGetHost(port: number, host: string, path = '/'): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false, timeout: 10_000 }, (res) => collect(res, resolve)).on('error', reject);
  });
}

/** GET over TLS to 127.0.0.1 with SNI `host`, verifying the certificate against `ca` for that name. */
export function httpsGetHost(port: number, host: string, ca: string): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, servername: host, path: '/', headers: { Host: host }, ca, agent: false, timeout: 10_000 }, (res) => {
        const cert = (res.socket as TLSSocket).getPeerX509Certificate();
        collect(res, (answer) => resolve({ ...answer, ...(cert ? { cert } : {}) }));
      })
      .on('error', reject);
  });
}

function collect(res: http.IncomingMessage, done: (a: HostAnswer) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => done({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
}

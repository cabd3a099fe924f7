/**
 * What certificates need from the edge proxy: certificates served by SNI, ACME HTTP-01 answers,
 * and the hosts redirected to HTTPS; all changed at runtime, and kept where a reloaded or restarted
 * proxy finds them again.
 */
export interface TlsEdgePort {
  /** Writes the files the proxy's configuration names (default certificate, empty lists) when missing. Call before the proxy starts. */
  prepare(): Promise<void>;
  /** Names of the certificates the edge serves now (besides its default one). */
  certificates(): Promise<string[]>;
  /** Serves `pem` (certificates then key) as certificate `name`, adding or replacing it. */
  putCertificate(name: string, pem: string): Promise<void>;
  /** Stops serving certificate `name`; a missing one is not an error. */
  removeCertificate(name: string): Promise<void>;
  /** HTTP requests for `host` are redirected to HTTPS (`on`), or served over HTTP again. */
  setRedirect(host: string, on: boolean): Promise<void>;
  /** `GET /.well-known/acme-challenge/<token>` answers `keyAuthorization` on the HTTP port. */
  setChallenge(token: string, keyAuthorization: string): Promise<void>;
  removeChallenge(token: string): Promise<void>;
}

/** Whatever obtains a certificate for a domain (ACME today). */
export interface CertificateIssuer {
  /** Orders a certificate for `domain`; resolves with its PEM bundle (certificate, chain, key). */
  issue(domain: string): Promise<string>;
}

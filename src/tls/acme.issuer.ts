import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';
import { CertificateError } from '../errors';
import type { CertificateIssuer } from './certificate-issuer.port';
import type { CertificateStore } from './certificate.store';
import type { TlsEdgePort } from './tls-edge.port';

export interface AcmeIssuerOptions {
  /** The ACME directory, e.g. Let's Encrypt's https://acme-v02.api.letsencrypt.org/directory. */
  directoryUrl: string;
  /** Contact address of the account ("" for none). */
  email: string;
  /** PEM of an extra CA that signs the directory's own certificate (a private ACME server). */
  extraCa?: string;
}

/**
 * Certificates over ACME with `acme-client`, HTTP-01 only: the challenge answer is put into the
 * edge proxy's runtime map, so HAProxy answers it, whichever Berth process ordered.
 */
export class AcmeIssuer implements CertificateIssuer {
  constructor(
    private readonly options: AcmeIssuerOptions,
    private readonly edge: TlsEdgePort,
    private readonly store: CertificateStore,
  ) {
    // acme-client talks through one axios instance of its own: the extra CA has to go there.
    if (options.extraCa) acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, options.extraCa] });
  }

  async issue(domain: string): Promise<string> {
    const accountKey = await this.store.accountKey(() => acme.crypto.createPrivateEcdsaKey());
    const client = new acme.Client({ directoryUrl: this.options.directoryUrl, accountKey, backoffAttempts: 10, backoffMin: 500, backoffMax: 5000 });
    const [key, csr] = await acme.crypto.createCsr({ altNames: [domain] }, await acme.crypto.createPrivateEcdsaKey());
    try {
      const cert = await client.auto({
        csr,
        ...(this.options.email ? { email: this.options.email } : {}),
        termsOfServiceAgreed: true,
        challengePriority: ['http-01'],
        // Berth's own pre-check would fetch the domain from this host, which often cannot reach itself by name.
        skipChallengeVerification: true,
        challengeCreateFn: (_authz, challenge, keyAuthorization) => this.edge.setChallenge(challenge.token, keyAuthorization),
        challengeRemoveFn: (_authz, challenge) => this.edge.removeChallenge(challenge.token),
      });
      return `${cert.trim()}\n${key.toString().trim()}\n`;
    } catch (err) {
      throw new CertificateError(`ACME order for ${domain} failed: ${describe(err)}`);
    }
  }
}

/** acme-client's errors carry the server's problem detail; axios errors their request config (never logged whole). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  return err.message.slice(0, 300);
}

import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { goProvider } from './go.provider';
import type { NixpacksConfig } from './nixpacks-config';
import { otherLanguageFirst } from './other-languages';
import { nodeProvider } from './node.provider';
import type { Provider } from './provider';
import { pythonProvider } from './python.provider';
import { staticfileProvider } from './staticfile.provider';

/**
 * Providers in Nixpacks' detection order (Go, Node, Python, then static files): the first that
 * matches builds the app, so a Go service with a package.json for its front-end tooling stays Go.
 */
export const PROVIDERS: readonly Provider[] = [goProvider, nodeProvider, pythonProvider, staticfileProvider];

/** Stands for the detected provider in `providers`, as in Nixpacks (`@auto` is its other spelling). */
const DETECTED = ['...', '@auto'];

export interface ProviderSelection {
  provider: Provider;
  /** Every provider whose marker files are present, in detection order (for the plan's details). */
  matched: string[];
  /** The config file whose `providers` chose it, when one did. */
  chosenBy?: string;
}

/**
 * The provider that builds the app. Nixpacks detects one provider (the first that matches) and
 * then applies the config's `providers`, where `...` stands for it: `["python"]` replaces it,
 * `["...", "node"]` adds Node after it. Each provider's plan is run, even one whose files are not
 * there. Where Berth differs: an app is built on one language's base image, so a list that comes
 * to more than one provider is refused rather than merged (the image would lack the other's tools).
 */
export function selectProvider(workspace: Workspace, config: NixpacksConfig): ProviderSelection {
  const matched = PROVIDERS.filter((provider) => provider.detect(workspace));
  const detected = matched[0];
  const asked = config.providers ?? ['...'];
  const field = `${config.file ?? 'nixpacks.toml'} providers`;
  const names = [...new Set(asked.flatMap((name) => (DETECTED.includes(name) ? (detected ? [detected.name] : []) : [name])))];
  const unknown = names.find((name) => !PROVIDERS.some((provider) => provider.name === name));
  if (unknown !== undefined) {
    const known = PROVIDERS.map((provider) => provider.name).join(', ');
    throw new PlanError(`${field}: "${unknown}" is not a provider Berth builds with; it builds ${known} ("..." for the detected one)`, 'invalid_repository', field);
  }
  if (names.length > 1) {
    throw new PlanError(
      `${field}: ${names.join(' and ')} together: Berth builds an app on one language's base image; ` +
        "keep one provider, and put the other's tools into that provider's base image",
      'invalid_repository',
      field,
    );
  }
  if (asked.some((name) => DETECTED.includes(name))) refuseOtherLanguage(workspace, detected?.name);
  const provider = PROVIDERS.find((candidate) => candidate.name === names[0]);
  if (provider === undefined) {
    if (config.providers !== undefined && !asked.some((name) => DETECTED.includes(name))) {
      throw new PlanError(`${field} is empty: name the provider to build with, or "..." for the detected one`, 'invalid_repository', field);
    }
    const lookedFor = PROVIDERS.map((candidate) => candidate.looksFor).join('; ');
    throw new PlanError(`nixpacks: could not detect the app's language; looked for ${lookedFor}`);
  }
  return { provider, matched: matched.map((candidate) => candidate.name), ...(config.providers !== undefined ? { chosenBy: config.file } : {}) };
}

/**
 * A repository Nixpacks would build as a language Berth has no provider for (other-languages.ts)
 * is refused, not built as the next language Berth finds: that image would not be the app.
 */
function refuseOtherLanguage(workspace: Workspace, detected: string | undefined): void {
  const other = otherLanguageFirst(workspace, detected);
  if (other === undefined) return;
  const instead = detected !== undefined ? `, not as ${detected}` : '';
  throw new PlanError(
    `nixpacks: Nixpacks would build this as a ${other.name} app (${other.file})${instead}; ` +
      "Berth's nixpacks buildpack builds Go, Node, Python and static sites: build it with a Dockerfile " +
      '(buildpack_type "dockerfile"), or name the provider to use in nixpacks.toml `providers`',
    'invalid_repository',
    'buildpack_type',
  );
}

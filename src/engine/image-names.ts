/**
 * Podman reports images as `docker.io/library/app:1` or `localhost/app:1` where Docker says
 * `app:1`. Berth always answers with Docker's short form.
 */
export function normaliseImageName(name: string): string {
  for (const prefix of ['docker.io/library/', 'localhost/', 'docker.io/']) {
    if (name.startsWith(prefix)) return name.slice(prefix.length);
  }
  return name;
}

/** True when the engine's tag `name` is what `ref` says, in either form (`app` meaning `app:latest`). */
export function isTagOf(name: string, ref: string): boolean {
  return normaliseImageName(withLatest(name)) === normaliseImageName(withLatest(ref));
}

/** `registry.lan:5000/team/app:1` → repository `registry.lan:5000/team/app`, tag `1`. */
export function splitTag(name: string): { repo: string; tag: string } {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? { repo: name.slice(0, colon), tag: name.slice(colon + 1) } : { repo: name, tag: 'latest' };
}

function withLatest(name: string): string {
  const { repo, tag } = splitTag(name);
  return `${repo}:${tag}`;
}

/** Podman takes a bare 64-hex id for a repository name (and fails) unless it is an image's id: say `sha256:`. */
export function engineImageRef(ref: string): string {
  return /^[a-f0-9]{64}$/.test(ref) ? `sha256:${ref}` : ref;
}

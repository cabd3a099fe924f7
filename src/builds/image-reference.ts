// The image-reference grammar of distribution/reference, without digests (a build makes a tag).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?)`;
const TAG = '[\\w][\\w.-]{0,127}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?$`);

/** True for `app`, `app:1.0`, `registry.local:5000/team/app:latest`; false for upper case, digests, spaces. */
export function isValidImageTag(value: string): boolean {
  if (value.length > 255 || !REFERENCE.test(value)) return false;
  // A first component that looks like a domain is only a domain when followed by a path.
  const name = value.includes('/') ? value.slice(value.indexOf('/') + 1) : value;
  return /^[a-z0-9]/.test(name);
}

/** `app` means `app:latest`, as for the docker CLI. */
export function withDefaultTag(value: string): string {
  const lastSlash = value.lastIndexOf('/');
  return value.slice(lastSlash + 1).includes(':') ? value : `${value}:latest`;
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;
const IMAGE_ID = /^(?:sha256:[a-f0-9]{64}|[a-f0-9]{12,64})$/;

/** What `docker run` takes: a tag reference, optionally pinned by digest, or an image id. */
export function isValidImageReference(value: string): boolean {
  if (IMAGE_ID.test(value)) return true;
  const named = value.replace(DIGEST, '');
  return named.length > 0 && isValidImageTag(named);
}

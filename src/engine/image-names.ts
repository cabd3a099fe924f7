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

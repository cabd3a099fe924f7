/**
 * Buildpacks name the request's settings by their internal names (`dockerfile.dockerfilePath`);
 * a client only knows the API's (`dockerfile_config.dockerfile_path`). Failures a client reads
 * (the build's error, its log) go through this first.
 */
const SECTION_KEYS: Record<string, readonly string[]> = {
  nixpacks: ['startCommand', 'buildCommand', 'installCommand', 'variables'],
  static: ['buildCommand', 'installCommand', 'outputDir', 'spa'],
  dockerfile: ['dockerfilePath', 'buildArgs', 'target'],
  compose: ['composeFile', 'compose_file', 'service'],
};
const TOP_LEVEL: Record<string, string> = { buildpackType: 'buildpack_type', imageTag: 'image_tag', baseDirectory: 'base_directory' };

const INTERNAL = new Map<string, string>([
  ...Object.entries(SECTION_KEYS).flatMap(([section, keys]) => keys.map((k): [string, string] => [`${section}.${k}`, `${section}_config.${snake(k)}`])),
  ...Object.entries(TOP_LEVEL),
]);
/** Whole names only: `compose.yml` or `static.outputDirectory` stay as they are. */
const PATTERN = new RegExp(`(?<![\\w.])(${[...INTERNAL.keys()].map((k) => k.replace('.', '\\.')).join('|')})(?![\\w])`, 'g');

export function apiFieldNames(text: string): string {
  return text.replace(PATTERN, (name) => INTERNAL.get(name) ?? name);
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

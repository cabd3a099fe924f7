import type { BuildpackSettings } from './plan';

/**
 * The `[buildpacks]` key that set a base image, so that a build failing on a missing image can
 * say which setting to change. Undefined when no key holds it (a user's own FROM).
 */
export function baseImageKey(settings: BuildpackSettings, image: string): string | undefined {
  for (const [major, nodeImage] of Object.entries(settings.nodeImages?.images ?? {})) {
    if (nodeImage === image) return `node_images."${major}"`;
  }
  const keys: [string, string][] = [
    ['node_image', settings.images.node],
    ['python_image', settings.images.python],
    ['go_image', settings.images.go],
    ['static_builder_image', settings.images.staticBuilder],
    ['static_server_image', settings.images.staticServer],
  ];
  for (const [key, configured] of keys) {
    if (configured === image || fromTemplate(configured, image)) return key;
  }
  return undefined;
}

/** Whether `image` is the `{major}` template with a Node major put in. */
function fromTemplate(template: string, image: string): boolean {
  if (!template.includes('{major}')) return false;
  const [before = '', after = ''] = template.split('{major}', 2);
  return (
    image.length > before.length + after.length &&
    image.startsWith(before) &&
    image.endsWith(after) &&
    /^\d{1,3}$/.test(image.slice(before.length, image.length - after.length))
  );
}

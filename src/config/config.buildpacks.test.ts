import { parseConfig } from './config.loader';
import { configError } from './testing/config-error';

describe('[buildpacks] Node images', () => {
  it('defaults to one plain node_image, no table and no major', () => {
    const { buildpacks } = parseConfig('', 'empty.toml');
    expect(buildpacks).toMatchObject({ node_image: 'node:20-alpine', node_images: {} });
    expect(buildpacks.node_image_major).toBeUndefined();
  });

  it('reads a {major} template, node_image_major and node_images', () => {
    const toml = '[buildpacks]\nnode_image = "node:{major}-slim"\nnode_image_major = 20\nnode_images = { "22" = "mirror/node:22" }\n';
    expect(parseConfig(toml, 'b.toml').buildpacks).toMatchObject({ node_image: 'node:{major}-slim', node_image_major: 20, node_images: { '22': 'mirror/node:22' } });
  });

  it('refuses a node_images key that is not a major, and an empty image', () => {
    const err = configError(() => parseConfig('[buildpacks]\nnode_images = { "lts" = "node:lts", "20" = "" }\n', 'b.toml'));
    expect(err.problems.join('\n')).toContain('keys must be Node majors such as "20"');
    expect(err.problems).toHaveLength(2);
  });
});

describe('[buildpacks] bun_image', () => {
  it('is unset by default, and read when given', () => {
    expect(parseConfig('', 'empty.toml').buildpacks.bun_image).toBeUndefined();
    expect(parseConfig('[buildpacks]\nbun_image = "oven/bun:1"\n', 'b.toml').buildpacks.bun_image).toBe('oven/bun:1');
  });

  it('refuses an empty image', () => {
    expect(configError(() => parseConfig('[buildpacks]\nbun_image = ""\n', 'b.toml')).problems.join('\n')).toContain('bun_image');
  });
});

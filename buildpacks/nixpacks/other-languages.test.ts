import { planErrorOf } from '../testing/plan-error';
import { planNixpacks } from '../testing/nixpacks-plan';

const plan = (files: Record<string, string>) => planNixpacks(files);

describe('nixpacks: languages Nixpacks detects that Berth has no provider for', () => {
  it.each([
    [
      'a Rails app, whose public/ folder would be served as a static site',
      { Gemfile: "gem 'rails'\n", 'public/index.html': '' },
      /as a Ruby app \(Gemfile\), not as staticfile/,
    ],
    ['a Ruby app with a package.json for its assets', { Gemfile: '', 'package.json': '{"scripts":{"start":"ruby app.rb"}}' }, /as a Ruby app \(Gemfile\), not as node/],
    ['a Laravel app (composer.json, package.json)', { 'composer.json': '{}', 'package.json': '{"scripts":{"build":"vite build"}}' }, /PHP app \(composer\.json\)/],
    ['a Rust crate', { 'Cargo.toml': '[package]\n' }, /as a Rust app \(Cargo\.toml\); Berth's nixpacks buildpack builds Go, Node, Python/],
    ['a C# project, found by its extension', { 'api.csproj': '<Project/>' }, /C# app \(api\.csproj\)/],
  ])('refuses %s at plan time, pointing at the Dockerfile buildpack', (_name, files, message) => {
    const error = planErrorOf(() => plan(files));
    expect(error).toMatchObject({ code: 'invalid_repository', field: 'buildpack_type' });
    expect(error.message).toMatch(message);
    expect(error.message).toContain('buildpack_type "dockerfile"');
  });

  it('builds what Berth detects first in Nixpacks order: Go before Rust, Node before Zig', () => {
    expect(plan({ 'go.mod': 'module x\n', 'main.go': '', 'Cargo.toml': '' }).details).toMatchObject({ language: 'go' });
    expect(plan({ 'package.json': '{"scripts":{"start":"node s.js"}}', 's.js': '', 'build.zig': '' }).details).toMatchObject({ language: 'node' });
  });

  it('builds the provider nixpacks.toml names instead', () => {
    const files = { Gemfile: '', 'package.json': '{"scripts":{"start":"node s.js"}}', 's.js': '', 'nixpacks.toml': 'providers = ["node"]\n' };
    expect(plan(files).details).toMatchObject({ language: 'node' });
  });
});

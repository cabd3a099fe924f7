import { apiFieldNames } from './api-field-names';

describe('apiFieldNames', () => {
  it.each([
    ['No Dockerfile at "x" in the repository (dockerfile.dockerfilePath)', 'No Dockerfile at "x" in the repository (dockerfile_config.dockerfile_path)'],
    ['dockerfile.dockerfilePath: "/etc" must be relative to the repository', 'dockerfile_config.dockerfile_path: "/etc" must be relative to the repository'],
    [
      'static.outputDir "dist" does not exist in the repository (static.outputDir)',
      'static_config.output_dir "dist" does not exist in the repository (static_config.output_dir)',
    ],
    ['bad (static.installCommand)', 'bad (static_config.install_command)'],
    ['bad (nixpacks.startCommand)', 'bad (nixpacks_config.start_command)'],
    ['No compose file at "c.yml" (compose.composeFile)', 'No compose file at "c.yml" (compose_config.compose_file)'],
    ['nothing to build (compose.compose_file)', 'nothing to build (compose_config.compose_file)'],
    ['no service "web" (compose.service)', 'no service "web" (compose_config.service)'],
    ['Unknown buildpack type "x" (buildpackType)', 'Unknown buildpack type "x" (buildpack_type)'],
  ])('names the API field in %j', (internal, api) => {
    expect(apiFieldNames(internal)).toBe(api);
  });

  it.each([
    'compose.yml has no services mapping (services)',
    'docker-compose.yaml: services.web must be a mapping',
    'package.json is not a valid JSON object',
    'my.static.outputDir.txt and dockerfile.dockerfilePathX stay',
  ])('leaves other text alone: %j', (text) => {
    expect(apiFieldNames(text)).toBe(text);
  });
});

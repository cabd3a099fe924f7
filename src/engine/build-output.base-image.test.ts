import { BuildOutputParser } from './build-output';
import { BaseImageMissingError } from '../errors/base-image-missing.error';

// The events each engine sent here for `FROM berth-test/nonexistent:1` with no registry reachable.
const DOCKER = [
  { stream: 'Step 1/2 : FROM berth-test/nonexistent:1' },
  { stream: '\n' },
  {
    errorDetail: { message: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host' },
    error: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host',
  },
];
const PODMAN = [
  { stream: 'STEP 1/2: FROM berth-test/nonexistent:1 AS build\n' },
  { stream: 'Trying to pull docker.io/berth-test/nonexistent:1...\n' },
  {
    error:
      'creating build container: initializing source docker://berth-test/nonexistent:1: pinging container registry registry-1.docker.io: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\n',
  },
];

function feed(events: object[]): BuildOutputParser {
  const parser = new BuildOutputParser();
  for (const event of events) parser.push(event);
  return parser;
}

describe('BuildOutputParser missing base image', () => {
  it.each([
    ['Docker', DOCKER, 'FROM berth-test/nonexistent:1'],
    ['Podman', PODMAN, 'FROM berth-test/nonexistent:1 AS build'],
  ])('names the image of the FROM step that failed to pull on %s', (_engine, events, instruction) => {
    expect(feed(events).missingBaseImage).toEqual({ image: 'berth-test/nonexistent:1', instruction });
  });

  it("reads Docker's registry answers as a failed pull", () => {
    const parser = feed([
      { stream: 'Step 1/3 : FROM --platform=linux/amd64 acme/app:2\n' },
      { error: "pull access denied for acme/app, repository does not exist or may require 'docker login'" },
    ]);
    expect(parser.missingBaseImage?.image).toBe('acme/app:2');
  });

  it('leaves a failure of a later step alone, even one that mentions a host lookup', () => {
    const parser = feed([
      { stream: 'Step 1/2 : FROM berth-test/busybox:latest\n' },
      { stream: ' ---> abc\n' },
      { stream: 'Step 2/2 : RUN wget http://x\n' },
      { error: "The command '/bin/sh -c wget http://x' returned a non-zero code: 1 (no such host)" },
    ]);
    expect(parser.missingBaseImage).toBeUndefined();
    expect(parser.error).toContain('non-zero code');
  });

  it('leaves other failures of a FROM step alone', () => {
    expect(feed([{ stream: 'Step 1/1 : FROM ${BASE}\n' }, { error: 'base name (${BASE}) should not be blank' }]).missingBaseImage).toBeUndefined();
  });
});

describe('BaseImageMissingError', () => {
  const err = new BaseImageMissingError('node:22-alpine', 'FROM node:22-alpine AS build', 'manifest unknown');

  it("names the Dockerfile line of a user's own FROM", () => {
    expect(err.code).toBe('base_image_missing');
    expect(err.message).toBe(
      'base image "node:22-alpine" of the Dockerfile line "FROM node:22-alpine AS build" is neither on the engine nor pullable: pull it on the engine\'s host, or change that line to an image the engine has (engine: manifest unknown)',
    );
  });

  it('names the [buildpacks] key that chose a generated image', () => {
    expect(err.withKey('node_images."22"').message).toContain(
      'set by [buildpacks] node_images."22", is neither on the engine nor pullable: pull it on the engine\'s host, or point [buildpacks] node_images."22" at an image the engine has',
    );
  });
});

/**
 * The Dockerfile generated from a nixpacks plan, kept as data. `{{...}}` lines take instruction
 * lines made by dockerfile-text.ts.
 *
 * Two stages, so that the request's `env` never reaches the image. The build stage gets it as
 * `ARG`s: the values arrive as build args, are never written here nor printed with the step, and
 * the install and build commands see them. The classic builder records build args in the
 * history of every RUN step after an `ARG`, so the final stage starts again from the base image
 * and only copies the app (and the provider's run-time folders) from the build stage: its config
 * and history hold no value of `env`. The variables (nixpacks.toml `[variables]`,
 * `nixpacks.variables`) are ENV in both stages, so they hold while building and at run time.
 * `setup` (tools such as pnpm) runs before the `ARG`s and the source: changing either does not
 * run it again; the folders it fills are on PATH in both stages (`path`) and kept by `keep`.
 */
export const nixpacksDockerfileTemplate = `FROM {{image}} AS build
WORKDIR /app
{{setup}}
{{buildArgs}}
{{buildEnv}}
COPY . /app
{{install}}
{{build}}

FROM {{image}}
WORKDIR /app
{{env}}
{{path}}
{{keep}}
COPY --from=build /app /app
{{start}}
`;

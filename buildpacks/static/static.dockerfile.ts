/**
 * Dockerfile templates of the static buildpack, kept as data. `{{...}}` lines take instruction
 * lines made by dockerfile-text.ts; inline placeholders take values already checked there.
 * Generated files live under `.berth/` in the build context. Both images start through Berth's
 * entrypoint (nginx-start.script.ts), which sets nginx's port from `$PORT`; it replaces the
 * server image's entrypoint and command.
 */

/**
 * Builds the site in a Node stage, then ships only its output with nginx. The request's `env`
 * reaches the build stage as `ARG`s (values as build args, never in this file nor in the step
 * lines of the log); the final stage starts from the server image, so neither its config nor its
 * history holds them. `setup` installs the package manager (pnpm, yarn) before the `ARG`s and the
 * source, so that changing either does not install it again.
 */
export const staticBuildDockerfileTemplate = `FROM {{builderImage}} AS build
WORKDIR /app
{{setup}}
{{buildArgs}}
COPY . .
{{install}}
{{build}}

FROM {{serverImage}}
COPY {{nginxConf}} /etc/nginx/conf.d/default.conf
COPY {{nginxStart}} {{nginxStartPath}}
COPY --from=build {{outputPath}} /usr/share/nginx/html/
ENTRYPOINT {{entrypoint}}
`;

/** Serves files of the repository as they are. */
export const staticServeDockerfileTemplate = `FROM {{serverImage}}
COPY {{nginxConf}} /etc/nginx/conf.d/default.conf
COPY {{nginxStart}} {{nginxStartPath}}
COPY {{sourcePath}} /usr/share/nginx/html/
ENTRYPOINT {{entrypoint}}
`;

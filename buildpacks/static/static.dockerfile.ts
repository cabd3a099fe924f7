/**
 * Dockerfile templates of the static buildpack, kept as data. `{{...}}` lines take instruction
 * lines made by dockerfile-text.ts; inline placeholders take values already checked there.
 * Generated files live under `.berth/` in the build context.
 */

/** Builds the site in a Node stage, then ships only its output with nginx. */
export const staticBuildDockerfileTemplate = `FROM {{builderImage}} AS build
WORKDIR /app
{{env}}
COPY . .
{{install}}
{{build}}

FROM {{serverImage}}
COPY {{nginxConf}} /etc/nginx/conf.d/default.conf
COPY --from=build {{outputPath}} /usr/share/nginx/html/
`;

/** Serves files of the repository as they are. */
export const staticServeDockerfileTemplate = `FROM {{serverImage}}
COPY {{nginxConf}} /etc/nginx/conf.d/default.conf
COPY {{sourcePath}} /usr/share/nginx/html/
`;

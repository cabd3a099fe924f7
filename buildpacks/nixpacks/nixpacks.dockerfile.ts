/**
 * The Dockerfile generated from a nixpacks plan, kept as data: the language base image, the
 * variables as ENV (so they hold while building and at run time), the repository in /app, one
 * RUN per install and build command, and the start command. `{{...}}` lines take instruction
 * lines made by dockerfile-text.ts.
 */
export const nixpacksDockerfileTemplate = `FROM {{image}}
WORKDIR /app
{{env}}
COPY . /app
{{install}}
{{build}}
{{start}}
`;

/** The Dockerfile of the tests' and benchmarks' Node app: `server.js` and `version.txt` on the stand-in node image. */
export const APP_DOCKERFILE = `FROM berth-test/node:20
WORKDIR /app
COPY server.js version.txt /app/
CMD ["node", "/app/server.js"]
`;

/** The files of a Node app repository running `server` at `version`. */
export function nodeAppFiles(server: string, version: string): Record<string, string> {
  return { Dockerfile: APP_DOCKERFILE, 'server.js': server, 'version.txt': `${version}\n` };
}

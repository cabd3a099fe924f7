/**
 * Entrypoint of static images, kept as data: nginx listens on `$PORT` like every other
 * buildpack's images, 80 when it is unset or not a port number (1-65535, no leading zero).
 * It rewrites the `listen` line of the server block at each start, so a restart with another
 * port works, and the file still serves on 80 when the image is run without this script.
 * It holds no repository text; the image runs it through an argument array.
 */
export const NGINX_START_PATH = '/etc/nginx/berth-start.sh';

export const nginxStartScript = `#!/bin/sh
set -e
port=80
case "\${PORT:-}" in
  '' | 0* | *[!0-9]*) ;;
  ??????*) ;;
  *) if [ "$PORT" -le 65535 ]; then port=$PORT; fi ;;
esac
sed -i "s/^    listen [0-9][0-9]*;\\$/    listen $port;/" /etc/nginx/conf.d/default.conf
exec nginx -g 'daemon off;'
`;

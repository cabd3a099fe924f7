import { fillTemplate } from '../template';

/**
 * nginx server block for static sites, kept as data. It replaces the image's
 * /etc/nginx/conf.d/default.conf, which the image's nginx.conf includes inside `http {}`.
 *
 * Caching: HTML must be revalidated so a new deploy shows at once; files under /assets/ (Vite,
 * Astro) and names with a hex content hash (`app.3f9a2c1b.js`, webpack/CRA) never change under
 * the same name, so they are cached for a year. A missing asset answers 404 even for SPAs,
 * because serving index.html as JavaScript only hides the error.
 */
export const nginxConfTemplate = `server {
    listen 80;
    server_name _;
    root /usr/share/nginx/html;
    index index.html;

    gzip on;
    gzip_vary on;
    gzip_min_length 256;
    gzip_types text/plain text/css text/javascript application/javascript application/json application/xml image/svg+xml application/manifest+json;

    # Dotfiles (.git, .env, .berth) may sit in the web root when a repository is served as is.
    location ~ /\\.(?!well-known/) {
        return 404;
    }

    location ~* \\.html?$ {
        add_header Cache-Control "no-cache";
        try_files $uri =404;
    }

    location /assets/ {
        add_header Cache-Control "public, max-age=31536000, immutable";
        try_files $uri =404;
    }

    location ~* "\\.[0-9a-f]{8,}\\.(?:js|mjs|css|map|woff2?|ttf|otf|eot|png|jpe?g|gif|webp|avif|svg|ico)$" {
        add_header Cache-Control "public, max-age=31536000, immutable";
        try_files $uri =404;
    }

    location / {
        add_header Cache-Control "no-cache";
        try_files {{fallback}};
    }
}
`;

export interface NginxConfOptions {
  /** Unknown paths serve /index.html so client-side routes work; false answers 404. */
  spa: boolean;
}

export function renderNginxConf(options: NginxConfOptions): string {
  return fillTemplate(nginxConfTemplate, {
    fallback: options.spa ? '$uri $uri/ /index.html' : '$uri $uri/ =404',
  });
}

import { renderNginxConf } from './nginx.conf';

/** The body of the location block whose header line contains `header`. */
function location(conf: string, header: string): string {
  const start = conf.indexOf(`location ${header}`);
  expect(start).toBeGreaterThanOrEqual(0);
  return conf.slice(start, conf.indexOf('\n    }', start) + 6);
}

describe('renderNginxConf', () => {
  const spa = renderNginxConf({ spa: true });

  it('listens on 80 and serves the web root with gzip', () => {
    expect(spa).toContain('    listen 80;\n');
    expect(spa).toContain('    root /usr/share/nginx/html;\n');
    expect(spa).toContain('    gzip on;\n');
    expect(spa).toMatch(/gzip_types [^;]*application\/javascript[^;]*;/);
  });

  it('falls back to /index.html for SPAs, 404 otherwise', () => {
    expect(location(spa, '/ ')).toContain('try_files $uri $uri/ /index.html;');
    const plain = renderNginxConf({ spa: false });
    expect(location(plain, '/ ')).toContain('try_files $uri $uri/ =404;');
    expect(plain).not.toContain('/index.html;');
  });

  it('revalidates HTML, including the SPA fallback', () => {
    expect(location(spa, '~* \\.html?$')).toContain('add_header Cache-Control "no-cache";');
    expect(location(spa, '/ ')).toContain('add_header Cache-Control "no-cache";');
  });

  it('caches fingerprinted assets for a year', () => {
    const immutable = 'add_header Cache-Control "public, max-age=31536000, immutable";';
    expect(location(spa, '/assets/')).toContain(immutable);
    const hashed = location(spa, '~* "');
    expect(hashed).toContain(immutable);
    const pattern = /"(.*)"/.exec(hashed.split('\n')[0] ?? '')?.[1] ?? '';
    const regex = new RegExp(pattern, 'i');
    expect(regex.test('/static/js/main.3f9a2c1b.js')).toBe(true);
    expect(regex.test('/app.3f9a2c1b.css')).toBe(true);
    expect(regex.test('/app.settings.js')).toBe(false);
    expect(regex.test('/logo.png')).toBe(false);
  });

  it('answers 404 for missing assets and dotfiles instead of the SPA page', () => {
    expect(location(spa, '/assets/')).toContain('try_files $uri =404;');
    expect(location(spa, '~ /\\.(?!well-known/)')).toContain('return 404;');
  });

  it('leaves no placeholder behind', () => {
    expect(spa).not.toMatch(/\{\{|\}\}/);
  });
});

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type RequestHandler } from 'express';

/** Paths the dashboard never answers: the API, its docs and the operator pages keep their own 404s. */
const RESERVED = /^\/(api|docs|openapi\.json|metrics|admin)(\/|$)/;

/** Hashed file names (Vite's `assets/name-HASH.ext`): their content never changes under a name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The page may load and call only its own origin: no CDN, no inline script, no framing. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT = 'The dashboard is not built: run `npm run build` (it writes dist/ui), then reload.\n';

/** Where `npm run build` writes the dashboard: `<package root>/dist/ui`, from src/ (tests) or dist/src/ alike. */
export function dashboardDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ui');
}

/**
 * The dashboard's static files, and its index.html for every other GET a browser makes outside
 * the reserved paths (the single-page app routes itself). Mounted after the API's routes, so it
 * answers only what they did not; without a built folder it says how to build one.
 */
export function dashboard(dir: string): RequestHandler {
  const assets = express.static(dir, {
    index: false,
    fallthrough: true,
    setHeaders: (res, path) => {
      res.setHeader('Cache-Control', path.startsWith(join(dir, 'assets')) ? IMMUTABLE : 'no-cache');
    },
  });
  const index = join(dir, 'index.html');
  const sendIndex: RequestHandler = (req, res, next) => {
    // Only a browser's navigation (it asks for text/html): a script's wrong path keeps its JSON 404.
    const navigation = req.path === '/' || req.path === '/index.html' || (req.get('accept') ?? '').includes('text/html');
    if (req.path.startsWith('/assets/') || !navigation) return next();
    if (!existsSync(index)) {
      res.status(404).type('text/plain').send(NOT_BUILT);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(index, (err) => (err ? next(err) : undefined));
  };
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || RESERVED.test(req.path)) return next();
    if (req.path === '/' || req.path === '/index.html') return sendIndex(req, res, next);
    assets(req, res, () => sendIndex(req, res, next));
  };
}

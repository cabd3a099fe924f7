import type { Workspace } from '../plan';
import { joinRelativePath } from '../paths';

/** A front-end app: its build writes a folder of files that the static server serves. */
export interface FrontEndSite {
  framework: 'vite' | 'create-react-app' | 'astro' | 'nx';
  /** Folder the build writes, relative to the repository root. */
  outputDir: string;
  /** Where `outputDir` was read, for the plan (e.g. `vite.config.ts outDir`, `default`). */
  outputSource: string;
  /** Unknown paths serve /index.html (client-side routing); multi-page sites answer 404. */
  spa: boolean;
}

/** Nixpacks' variable naming the output folder, and the one its Caddyfile reads, as an alias. */
const OUT_DIR_VARIABLES = ['NIXPACKS_SPA_OUT_DIR', 'NIXPACKS_SPA_OUTPUT_DIR'];
/** Nixpacks' switch: `false`/`0` runs the app's own start command instead of the static server. */
export const SPA_SWITCH_VARIABLE = 'NIXPACKS_SPA_CADDY';
export const SPA_VARIABLES = [...OUT_DIR_VARIABLES, SPA_SWITCH_VARIABLE];

/** Frameworks that render on a server: Nixpacks leaves them out of its allowlist; Berth adds Next, Nuxt and SolidStart. */
const SERVER_FRAMEWORKS = ['@remix-run/react', '@react-router/node', '@sveltejs/kit', 'next', 'nuxt', '@solidjs/start'];
/** Start scripts that run a development or preview server, or `serve` over the build: never the app's own server. */
const DEV_SERVER = /^(npx\s+)?(vite|vite\s+(dev|serve|preview)|react-scripts\s+start|astro\s+(dev|preview|start))(\s+-.*)?$|^(npx\s+)?serve(\s+-s)?\s+[\w./-]+$/;

/**
 * Detects a front-end app in `dir` (the repository root, or a monorepo's chosen app), as
 * Nixpacks' spa/ provider does for Vite: a `vite` dependency, a vite.config.{js,ts} or a build
 * script running `vite build`; the output folder from NIXPACKS_SPA_OUT_DIR, else the config's
 * `outDir`, else the build script's `--outDir`, else `dist`. NIXPACKS_SPA_CADDY=false turns it off.
 *
 * Where Berth differs: Nixpacks serves only Vite apps using one of its allowlisted UI libraries
 * (React, Vue, Svelte, Preact, Lit, Solid, Qwik) and then ignores any start script; Berth serves
 * any Vite app, Create React App (`build/`, or BUILD_PATH) and static Astro (`dist/` or the
 * config's outDir), unless the app has a server of its own: a server framework, a start script
 * that is not a dev/preview server, or an entry file (server.js, index.js, package.json main).
 * It needs a build script: without one there is nothing to serve. Astro with
 * `output: 'server'`/'hybrid' or an adapter is a server app.
 */
export function detectFrontEnd(workspace: Workspace, dir: string, manifest: Record<string, unknown>, variables: Record<string, string>): FrontEndSite | undefined {
  if (['false', '0'].includes((variables[SPA_SWITCH_VARIABLE] ?? '').trim().toLowerCase())) return undefined;
  const deps = dependencies(manifest);
  const build = script(manifest, 'build');
  if (build === undefined || SERVER_FRAMEWORKS.some((name) => deps.has(name)) || hasOwnServer(workspace, dir, manifest)) return undefined;
  const at = (path: string): string => (dir === '' ? path : `${dir}/${path}`);
  const site = frameworkSite(workspace, at, deps, build, variables);
  if (site === undefined) return undefined;
  const override = OUT_DIR_VARIABLES.find((name) => (variables[name] ?? '').trim() !== '');
  const [output, source] = override !== undefined ? [variables[override]?.trim() ?? '', override] : [site.output, site.source];
  return { framework: site.framework, outputDir: joinRelativePath(dir, output, override ?? 'outputDir'), outputSource: source, spa: site.spa };
}

interface FoundSite {
  framework: FrontEndSite['framework'];
  output: string;
  source: string;
  spa: boolean;
}

function frameworkSite(workspace: Workspace, at: (path: string) => string, deps: Set<string>, build: string, variables: Record<string, string>): FoundSite | undefined {
  if (deps.has('astro') || /\bastro\s+build\b/.test(build)) return astroSite(workspace, at);
  const viteConfig = ['vite.config.js', 'vite.config.ts', 'vite.config.mjs', 'vite.config.mts'].find((name) => workspace.readFile(at(name)) !== undefined);
  if (deps.has('vite') || viteConfig !== undefined || /vite build/i.test(build)) {
    const fromConfig = viteConfig !== undefined ? configOutDir(workspace.readFile(at(viteConfig)) ?? '') : undefined;
    if (fromConfig !== undefined) return { framework: 'vite', output: fromConfig, source: `${viteConfig} outDir`, spa: true };
    const fromScript = /vite\s+build(?:\s+-[^\s]*)*\s+--outDir[=\s]\s*([^-\s;&|][^\s;&|]*)/.exec(build)?.[1];
    if (fromScript !== undefined) return { framework: 'vite', output: fromScript, source: 'build script --outDir', spa: true };
    return { framework: 'vite', output: 'dist', source: 'default', spa: true };
  }
  if (deps.has('react-scripts') && /react-scripts\s+build/.test(build)) {
    const path = variables.BUILD_PATH?.trim();
    return path
      ? { framework: 'create-react-app', output: path, source: 'BUILD_PATH', spa: true }
      : { framework: 'create-react-app', output: 'build', source: 'default', spa: true };
  }
  return undefined;
}

/** Astro builds a multi-page site: no index.html fallback. A server output or adapter is an app. */
function astroSite(workspace: Workspace, at: (path: string) => string): FoundSite | undefined {
  const configName = ['astro.config.mjs', 'astro.config.js', 'astro.config.ts', 'astro.config.mts'].find((name) => workspace.readFile(at(name)) !== undefined);
  const config = configName !== undefined ? (workspace.readFile(at(configName)) ?? '') : '';
  if (/output\s*:\s*['"`](server|hybrid)['"`]/.test(config) || /\badapter\s*:/.test(config)) return undefined;
  const fromConfig = configOutDir(config);
  return fromConfig !== undefined
    ? { framework: 'astro', output: fromConfig, source: `${configName} outDir`, spa: false }
    : { framework: 'astro', output: 'dist', source: 'default', spa: false };
}

/** Nixpacks' pattern for Vite's `outDir: 'build'`; Astro writes the same key. */
function configOutDir(config: string): string | undefined {
  const found = /outDir:\s*['"`](.*?)['"`]/.exec(config)?.[1]?.trim();
  return found !== undefined && found !== '' ? found.replace(/^\.\/+/, '') : undefined;
}

function hasOwnServer(workspace: Workspace, dir: string, manifest: Record<string, unknown>): boolean {
  const start = script(manifest, 'start');
  if (start !== undefined && !DEV_SERVER.test(start)) return true;
  const at = (path: string): string => (dir === '' ? path : `${dir}/${path}`);
  const main = typeof manifest.main === 'string' && manifest.main.trim() !== '' ? manifest.main.replace(/^\.\/+/, '') : undefined;
  return ['server.js', 'index.js', ...(main !== undefined ? [main] : [])].some((file) => workspace.readFile(at(file)) !== undefined);
}

function script(manifest: Record<string, unknown>, name: string): string | undefined {
  const value = (manifest.scripts as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** dependencies and devDependencies (Nixpacks reads devDependencies only when there are no dependencies). */
function dependencies(manifest: Record<string, unknown>): Set<string> {
  const names = [manifest.dependencies, manifest.devDependencies].flatMap((deps) =>
    deps !== null && typeof deps === 'object' && !Array.isArray(deps) ? Object.keys(deps) : [],
  );
  return new Set(names);
}

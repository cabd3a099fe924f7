import type { Workspace } from '../plan';
import { detectMonorepo, TURBO_APP_VARIABLE } from './node-monorepo';
import { NX_APP_VARIABLE } from './node-nx';
import type { FrontEndSite } from './node-spa';
import { detectFrontEnd, SPA_VARIABLES } from './node-spa';
import { joinRelativePath } from '../paths';
import type { DetectedPlan, Provider } from './provider';
import type { MonorepoApp } from './node-workspaces';
import { readManifest } from './node-workspaces';

/** What the monorepo and front-end rules change in a Node plan; nothing for a plain app. */
export interface NodeLayout {
  /** Replace the root's build script / start command when set. */
  build?: string;
  start?: string;
  /** The root's own start command does not apply (a monorepo app was chosen). */
  skipRootStart: boolean;
  site?: FrontEndSite;
  appDir: string;
  missingStart?: { message: string; field: string };
  summary: string[];
  details: Record<string, unknown>;
}

/** The NIXPACKS_* variables these rules read: consumed by the planner, never set in the image. */
export const NODE_LAYOUT_VARIABLES = [TURBO_APP_VARIABLE, NX_APP_VARIABLE, ...SPA_VARIABLES];

const CHOOSE_FIELD: Record<MonorepoApp['tool'], string> = { turborepo: TURBO_APP_VARIABLE, nx: NX_APP_VARIABLE, workspaces: 'nixpacks.startCommand' };

/** Finds the app a repository runs (monorepo rules), then whether it is a front-end app to serve. */
export function nodeLayout(workspace: Workspace, root: Record<string, unknown>, variables: Record<string, string>): NodeLayout {
  const monorepo = detectMonorepo(workspace, root, variables);
  const appDir = monorepo?.dir ?? '';
  const manifest = appDir === '' ? root : (readManifest(workspace, `${appDir}/package.json`) ?? {});
  const site =
    monorepo?.staticOutput === true && monorepo.outputDir !== undefined ? nxSite(monorepo.outputDir, variables) : detectFrontEnd(workspace, appDir, manifest, variables);
  const summary = [...(monorepo !== undefined ? [monorepoLine(monorepo)] : []), ...(site !== undefined ? [siteLine(site)] : [])];
  return {
    ...(monorepo?.build !== undefined ? { build: monorepo.build } : {}),
    ...(monorepo?.start !== undefined ? { start: monorepo.start } : {}),
    skipRootStart: appDir !== '',
    ...(site !== undefined ? { site } : {}),
    appDir,
    ...(monorepo?.unchosen !== undefined ? { missingStart: { message: monorepo.unchosen, field: CHOOSE_FIELD[monorepo.tool] } } : {}),
    summary,
    details: {
      ...(monorepo !== undefined ? { monorepo: { tool: monorepo.tool, app: monorepo.name ?? null, dir: shown(monorepo.dir) } } : {}),
      ...(site !== undefined ? { site: { ...site, outputDir: shown(site.outputDir) } } : {}),
    },
  };
}

/**
 * The Node provider with these rules applied to its plan: a chosen monorepo app replaces the
 * root's build and start commands; a front-end app is marked to be served (`site`).
 */
export function withNodeLayout(provider: Provider): Provider {
  return {
    ...provider,
    plan(workspace, settings, variables) {
      const detected = provider.plan(workspace, settings, variables);
      const layout = nodeLayout(workspace, readManifest(workspace, 'package.json') ?? {}, variables);
      const start = layout.start ?? (layout.skipRootStart ? undefined : detected.start);
      const { start: _rootStart, ...rest } = detected;
      return {
        ...rest,
        ...(layout.build !== undefined ? { build: [layout.build] } : {}),
        ...(start !== undefined ? { start } : {}),
        summary: [...(detected.summary ?? []), ...layout.summary],
        details: { ...detected.details, ...layout.details },
        ...(layout.site !== undefined ? { site: layout.site } : {}),
        ...(layout.appDir !== '' ? { appDir: layout.appDir } : {}),
        ...(layout.missingStart !== undefined ? { missingStart: layout.missingStart } : {}),
      } satisfies DetectedPlan;
    },
  };
}

/** An nx web build: its project.json output path, unless NIXPACKS_SPA_OUT_DIR says otherwise. */
function nxSite(outputDir: string, variables: Record<string, string>): FrontEndSite {
  const override = variables.NIXPACKS_SPA_OUT_DIR?.trim();
  const [output, source] = override ? [override, 'NIXPACKS_SPA_OUT_DIR'] : [outputDir, 'project.json outputPath'];
  return { framework: 'nx', outputDir: joinRelativePath('', output, 'outputDir'), outputSource: source, spa: true };
}

function monorepoLine(monorepo: MonorepoApp): string {
  const app = monorepo.name !== undefined ? `, app ${monorepo.name} (${shown(monorepo.dir)})` : ', no app chosen: runs the root';
  return `monorepo: ${monorepo.tool}${app}, installed at the root`;
}

function siteLine(site: FrontEndSite): string {
  const source = site.outputSource === 'default' ? `${site.framework}'s default` : site.outputSource;
  return `front-end: ${site.framework} app, serves ${shown(site.outputDir)} (${source}) with the static server, spa fallback ${site.spa ? 'on' : 'off'}`;
}

function shown(dir: string): string {
  return dir === '' ? './' : `${dir}/`;
}

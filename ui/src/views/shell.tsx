import { useEffect, useState } from 'react';
import { AppsView } from './apps';
import { BuildsView } from './builds';
import { ContainersView } from './containers';
import { ImagesView } from './images';
import { NodesView, useNodes } from './nodes';
import { RuntimeView } from './runtime';

const VIEWS = [
  { path: '/apps', title: 'Apps', View: AppsView },
  { path: '/containers', title: 'Containers', View: ContainersView },
  { path: '/builds', title: 'Builds', View: BuildsView },
  { path: '/images', title: 'Images', View: ImagesView },
  { path: '/nodes', title: 'Nodes', View: NodesView },
  { path: '/runtime', title: 'Runtime', View: RuntimeView },
] as const;

function currentPath(): string {
  const path = window.location.pathname;
  return VIEWS.some((v) => v.path === path) ? path : '/apps';
}

/** Navigation (history API: the server answers every view's path with the page), node picker, sign-out. */
export function Shell({ node, onNode, onSignOut }: { node: string; onNode: (node: string) => void; onSignOut: () => void }) {
  const [path, setPath] = useState(currentPath);
  const nodes = useNodes();
  useEffect(() => {
    const back = () => setPath(currentPath());
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);
  const go = (to: string) => {
    window.history.pushState(null, '', to);
    setPath(to);
  };
  const view = VIEWS.find((v) => v.path === path) ?? VIEWS[0];

  return (
    <div className="shell">
      <header className="top">
        <span className="brand">Berth</span>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a
              key={v.path}
              href={v.path}
              aria-current={v.path === path ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                go(v.path);
              }}
            >
              {v.title}
            </a>
          ))}
        </nav>
        <label className="node-pick">
          <span>Node</span>
          <select aria-label="Node" value={node} onChange={(e) => onNode(e.target.value)}>
            {nodes.names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <h1 className="view-title">{view.title}</h1>
        <view.View nodes={nodes} onNode={onNode} />
      </main>
    </div>
  );
}

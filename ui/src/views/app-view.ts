/** An app as `GET /api/v1/apps` answers it (the fields the dashboard shows). */
export interface AppView {
  name: string;
  source: { type: 'git'; git_repo: string; git_branch?: string; buildpack_type: string } | { type: 'image'; image: string };
  env: string[];
  domains: string[];
  port?: number;
  replicas: number;
  status: string;
  live_release?: number;
  urls: string[];
}

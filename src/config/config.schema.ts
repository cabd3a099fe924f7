import { isIP } from 'node:net';
import { z } from 'zod';
import { parseNodeAddress } from '../nodes/node-address';

/** Paths written into HAProxy's configuration and commands: no spaces, quotes or "..". */
const SAFE_PATH = /^\/(?!.*\.\.)[A-Za-z0-9_./-]{1,200}$/;
const SAFE_PATH_MESSAGE = 'must be an absolute path of letters, digits, "_", ".", "-" and "/"';

/** Node names: a DNS label, lower case; used in URLs, Redis keys and logs. */
const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** One `[[nodes]]` entry: an engine besides the `[docker]` one. */
const nodeSchema = z
  .object({
    /** The node's name in `/api/v1/nodes/{node}`: a DNS label (a-z, 0-9, "-"); `local` is `[docker]`'s. Required. */
    name: z
      .string()
      .regex(NODE_NAME, 'must be a DNS label: a-z, 0-9 and "-", at most 63')
      .refine((n) => n !== 'local', 'the name "local" is the [docker] engine'),
    /** The engine behind `host`: "docker" or "podman". Default docker. */
    runtime: z.enum(['docker', 'podman']).default('docker'),
    /**
     * Where the engine's API is: `unix:///path.sock`, `tcp://host:port` (always TLS: `ca`, `cert`
     * and `key` required) or `ssh://user@host[:port]` (`ssh_key` and `known_hosts` required). Required.
     */
    host: z.string().min(1),
    /** tcp: the CA file (PEM) the engine's certificate must chain to. */
    ca: z.string().min(1).optional(),
    /** tcp: the client certificate file (PEM) Berth presents. */
    cert: z.string().min(1).optional(),
    /** tcp: the client key file (PEM). */
    key: z.string().min(1).optional(),
    /** ssh: the private key file (unencrypted OpenSSH or PEM) Berth logs in with. */
    ssh_key: z.string().min(1).optional(),
    /** ssh: OpenSSH known_hosts file holding the host's key; any other key is refused. */
    known_hosts: z.string().min(1).optional(),
    /** ssh: the engine's socket on the remote host. Default /var/run/docker.sock. */
    socket: z.string().regex(/^\//, 'must be an absolute path').default('/var/run/docker.sock'),
    /** Seconds an engine call or a probe of this node may take before it counts as unavailable. Default 10. */
    timeout_seconds: z.number().positive().default(10),
    /**
     * IPv4 address the proxy and the health checks reach this node's app replicas at (their
     * published ports). Default: the host of a tcp:// or ssh:// `host` when it is an IPv4
     * address; 127.0.0.1 for unix://. A node without one can build but cannot run apps.
     */
    address: z
      .string()
      .refine((a) => isIP(a) === 4, 'must be an IPv4 address, e.g. "10.0.0.5"')
      .optional(),
  })
  .strict()
  .superRefine((node, ctx) => {
    try {
      parseNodeAddress(node.host);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: (err as Error).message });
      return;
    }
    const scheme = node.host.split(':')[0];
    const need = scheme === 'tcp' ? (['ca', 'cert', 'key'] as const) : scheme === 'ssh' ? (['ssh_key', 'known_hosts'] as const) : [];
    for (const key of need) if (node[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `required for a ${scheme}:// host` });
  });

function uniqueNodeNames(nodes: Array<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  nodes.forEach((node, i) => {
    if (seen.has(node.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `the node name "${node.name}" is used twice` });
    seen.add(node.name);
  });
}

/**
 * The whole of Berth's configuration. Every key is documented with its default in
 * `config/berth.example.toml`; unknown keys are rejected so that typos fail loudly.
 */
export const configSchema = z
  .object({
    server: z
      .object({
        /** Address the API listens on. Default 127.0.0.1: expose it on purpose, not by accident. */
        host: z.string().min(1).default('127.0.0.1'),
        /** TCP port of the API. Default 3000. */
        port: z.number().int().min(0).max(65535).default(3000),
        /** Largest accepted request body, in bytes. Default 1 MiB. */
        body_limit_bytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /**
         * Where Berth keeps its own state: the generated API token and `secret-key`, the key that
         * seals build credentials in Redis. The API and every worker must share it. Default /var/lib/berth.
         */
        data_dir: z.string().min(1).default('/var/lib/berth'),
        /** Names this Berth in the labels of what it creates; several can share an engine. */
        instance: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/)
          .default('default'),
      })
      .strict()
      .default({}),
    docker: z
      .object({
        /** Which engine the socket belongs to: "docker" or "podman". */
        runtime: z.enum(['docker', 'podman']).default('docker'),
        /** Unix socket of the engine's Docker-compatible API. */
        socket_path: z.string().min(1).default('/var/run/docker.sock'),
        /** Informational: whether the engine runs rootless. */
        rootless: z.boolean().default(false),
        /** Directory where builds check out repositories. */
        build_dir: z.string().min(1).default('/tmp/berth/builds'),
        /** Seconds an engine call may take before Berth answers 503. Default 30. */
        timeout_seconds: z.number().positive().default(30),
      })
      .strict()
      .default({}),
    /**
     * Other engines this Berth manages, besides `[docker]` (the node named `local`). Default none.
     * Each is reached over a unix socket, TCP with TLS, or SSH to the remote engine's socket.
     */
    nodes: z.array(nodeSchema).default([]).superRefine(uniqueNodeNames),
    containers: z
      .object({
        /** When false (default) the API sees and acts on containers Berth created and images it built only. */
        manage_all: z.boolean().default(false),
        /** Seconds a container gets between SIGTERM and SIGKILL on stop/restart. Default 10. */
        stop_timeout_seconds: z.number().int().min(0).default(10),
      })
      .strict()
      .default({}),
    redis: z
      .object({
        /** Redis connection URL. Default redis://127.0.0.1:6379. */
        url: z
          .string()
          .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
          .default('redis://127.0.0.1:6379'),
        /** Prefix of every Redis key Berth writes. Default "berth". */
        prefix: z.string().min(1).default('berth'),
      })
      .strict()
      .default({}),
    auth: z
      .object({
        /** Accepted bearer tokens. Empty: use BERTH_API_TOKEN, or a token generated at first start. */
        tokens: z.array(z.string().min(16, 'tokens must be at least 16 characters')).default([]),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        /**
         * Bearer token a scraper sends to `GET /metrics` (its own: the API tokens are not accepted there).
         * Default "" (none). `/metrics` exists only once a token, a `token_file` or `allow` is set.
         */
        token: z
          .string()
          .refine((t) => t === '' || t.length >= 16, 'the token must be at least 16 characters')
          .default(''),
        /** File holding that token (read at start), instead of or besides `token`. Default "" (none). */
        token_file: z.string().default(''),
        /**
         * Client addresses or CIDR ranges (IPv4 or IPv6) that may scrape, matched against the
         * connection's address (no forwarding header is trusted). Default [] (any address, when a token is set).
         * With a token too, both must hold.
         */
        allow: z.array(z.string().refine(isAddressOrRange, 'must be an IP address or a CIDR range such as "10.0.0.0/8"')).default([]),
      })
      .strict()
      .default({}),
    git: z
      .object({
        /** Hosts that may be cloned from although they resolve to internal addresses (a LAN Gitea). */
        allowed_hosts: z.array(z.string().min(1)).default([]),
        /** Accept file:// repository URLs (local use only). Default false. */
        allow_file_urls: z.boolean().default(false),
        /** Seconds a clone may take. Default 300. */
        clone_timeout_seconds: z.number().positive().default(300),
        /** Credentials per git host, used when a request brings none. */
        credentials: z
          .record(
            z
              .object({
                /** User name sent with the token over https. Default "x-access-token". */
                username: z.string().min(1).optional(),
                /** Access token (https). */
                token: z.string().min(1).optional(),
                /** Path of a private deploy key (ssh). */
                ssh_key_file: z.string().min(1).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({}),
    /**
     * Registry credentials by registry host (`[registries."registry.lan:5000"]`), used for image
     * pulls, pushes and builds' FROM. Never shown nor logged. Default: none.
     */
    registries: z
      .record(
        z
          .object({
            /** User name, with `password` or `password_file`. */
            username: z.string().min(1).optional(),
            /** Password (or an access token the registry takes as a password). */
            password: z.string().min(1).optional(),
            /** File holding the password, read at start-up (trailing newline dropped). */
            password_file: z.string().min(1).optional(),
            /** An identity (OAuth refresh) token, instead of a user name and password. */
            token: z.string().min(1).optional(),
            /**
             * Plain HTTP or an unverified certificate, for Podman (Docker: its `insecure-registries`), for
             * this registry only: pulls, pushes, and builds' FROM images of it (pulled before the build). Default false.
             */
            insecure: z.boolean().default(false),
          })
          .strict()
          .refine((r) => !(r.password && r.password_file), 'give password or password_file, not both')
          .refine((r) => !(r.username && r.token), 'give username + password or token, not both'),
      )
      .default({}),
    /** Image pulls, pushes and imports (src/images). */
    images: z
      .object({
        /**
         * Largest root filesystem `POST /api/v1/images/import` accepts, in bytes: the upload, and
         * the tar it unpacks to when gzip-compressed. Default 2 GiB.
         */
        max_import_bytes: z
          .number()
          .int()
          .positive()
          .default(2 * 1024 * 1024 * 1024),
        /** Bytes of progress log kept per pull or push. Default 1048576. */
        log_max_bytes: z.number().int().positive().default(1048576),
        /** Hours a finished pull or push (record and log) is kept. Default 24. */
        retention_hours: z.number().positive().default(24),
      })
      .strict()
      .default({}),
    build: z
      .object({
        /** Builds one worker process runs at once. Default 1. */
        concurrency: z.number().int().positive().default(1),
        /** Wall-clock limit of one build in seconds; past it the build fails with "timeout". Default 1800. */
        timeout_seconds: z.number().positive().default(1800),
        /** Memory limit of build containers ("2g", "512m"; "" for none). Default "2g". */
        memory: z
          .string()
          .regex(/^(\d+(\.\d+)?\s*[bkmg]?b?)?$/i, 'must be like "2g" or "512m"')
          .default('2g'),
        /** CPU limit of build containers, in cores (0 for none). Default 2. */
        cpus: z.number().min(0).default(2),
        /**
         * Most processes (threads included) a build's RUN steps may run at once, so that a fork bomb
         * cannot exhaust the host; 0 for none. Needs a writable cgroup tree (cgroupfs driver). Default 1024.
         * The same cgroup lets a cancel or timeout kill the running step on Podman; with 0 it runs to its end there.
         */
        pids_limit: z.number().int().min(0).default(1024),
        /** Bytes of log kept per build; past it the log says so and the build goes on. Default 5 MiB. */
        log_max_bytes: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
        /** Hours a finished build (record and log) is kept. Default 168 (a week). */
        retention_hours: z.number().positive().default(168),
        /** Tries of a build whose failure was not the build's own (engine down, worker lost). Default 3. */
        attempts: z.number().int().min(1).default(3),
        /** Seconds a worker's hold on a build lasts without renewal; a dead worker's build is taken up after it. Default 30. */
        lock_seconds: z.number().int().min(1).default(30),
        /** Times a build may be taken up again after its worker died, before it fails. Default 2. */
        max_stalled: z.number().int().min(0).default(2),
        /**
         * Bytes one checkout may take in build_dir, submodules and git data included; a larger one
         * stops the clone and fails the build with "checkout_too_large". Default 2 GiB.
         */
        max_checkout_bytes: z
          .number()
          .int()
          .positive()
          .default(2 * 1024 * 1024 * 1024),
        /** Compose files may ask for host access (privileged, host network, bind mounts...). Default false. */
        allow_compose_host_access: z.boolean().default(false),
      })
      .strict()
      .default({}),
    buildpacks: z
      .object({
        /**
         * Base image of Node apps (nixpacks). Default "node:20-alpine". May be a template with
         * `{major}` (e.g. "node:{major}-bookworm-slim"), which provides Node 14, 16, 18, 20 and 22.
         */
        node_image: z.string().min(1).default('node:20-alpine'),
        /**
         * Node major of a node_image without `{major}`. Default: unset, meaning the tag's major
         * for an image named `node` (node:20-alpine is 20), else 18 (Nixpacks' default Node).
         */
        node_image_major: z.number().int().min(1).max(999).optional(),
        /** Base images per Node major, e.g. { "20" = "node:20-alpine" }; before node_image. Default {} (none). */
        node_images: z.record(z.string().regex(/^[1-9]\d{0,2}$/, 'keys must be Node majors such as "20"'), z.string().min(1)).default({}),
        /** Base image of Python apps (nixpacks). */
        python_image: z.string().min(1).default('python:3.11-slim'),
        /** Base image of Go apps (nixpacks). */
        go_image: z.string().min(1).default('golang:1.22-alpine'),
        /** Image that runs static sites' install and build commands. */
        static_builder_image: z.string().min(1).default('node:20-alpine'),
        /** Web server image that serves static sites. */
        static_server_image: z.string().min(1).default('nginx:alpine'),
        /**
         * Image with bun, for bun projects (bun.lockb, bun.lock, packageManager "bun@..."): they
         * are installed, built and started with bun there. Default: unset, and such projects are
         * refused at plan time (never installed with npm).
         */
        bun_image: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** The HAProxy edge of deployed apps (src/proxy). */
    proxy: z
      .object({
        /**
         * The API starts HAProxy and keeps it running (it outlives Berth). False: no proxy; routes
         * are only recorded and apps are reached on their replicas' 127.0.0.1 ports. Default true.
         */
        enabled: z.boolean().default(true),
        /** Port of the HTTP frontend: every app's domain is served there. Default 80. */
        http_port: z.number().int().min(1).max(65535).default(80),
        /** Address the HTTP frontend binds. Default 0.0.0.0 (all IPv4 addresses); "::" for IPv6 too. */
        bind_address: z
          .string()
          .regex(/^(\d{1,3}\.){3}\d{1,3}$|^::$/, 'must be an IPv4 address or "::"')
          .default('0.0.0.0'),
        /** HAProxy's Runtime API socket (admin level, mode 600). Default /run/berth/haproxy.sock. */
        admin_socket: z.string().regex(SAFE_PATH, SAFE_PATH_MESSAGE).default('/run/berth/haproxy.sock'),
        /** Where Berth writes haproxy.cfg, the host map and the pidfile. Default /var/lib/berth/haproxy. */
        config_dir: z.string().regex(SAFE_PATH, SAFE_PATH_MESSAGE).default('/var/lib/berth/haproxy'),
        /** Port of the HTTPS frontend (SNI picks the certificate; a self-signed default one otherwise). Default 443. */
        https_port: z.number().int().min(1).max(65535).default(443),
        /** Directory of operator certificates: one `*.pem` each (certificate, chain, private key). "" (default): none. */
        certs_dir: z.string().default(''),
        /** Seconds between rescans of certs_dir and renewal checks. Default 60. */
        certs_rescan_seconds: z.number().int().min(1).default(60),
        /** ACME directory URL for automatic certificates of the apps' domains. "" (default): ACME off. */
        acme_directory_url: z
          .union([
            z.literal(''),
            z
              .string()
              .url()
              .regex(/^https:\/\//, 'must be an https:// URL'),
          ])
          .default(''),
        /** Contact e-mail of the ACME account. Default "" (none). */
        acme_email: z.string().default(''),
        /** PEM file of an extra CA to trust for the ACME directory (a private ACME server). Default "" (none). */
        acme_ca_file: z.string().default(''),
        /** Renew an ACME certificate when fewer days than this remain. Default 30. */
        acme_renew_days: z.number().min(0).default(30),
        /** Seconds before a failed order is retried; doubles per failure, up to 6 hours. Default 60. */
        acme_retry_seconds: z.number().int().min(1).default(60),
        /** Apps without `domains` get `<name>.<base_domain>` (e.g. "apps.example.com"). Default "": none. */
        base_domain: z
          .string()
          .regex(
            /^$|^(?=.{1,200}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/,
            'must be a DNS name like "apps.example.com", or ""',
          )
          .default(''),
      })
      .strict()
      .default({}),
    deploy: z
      .object({
        /** Seconds old replicas keep their in-flight requests after a switch, for apps that set none. Default 30. */
        drain_seconds: z.number().min(0).max(3600).default(30),
        /** Releases kept per app (their images are protected from removal); older ones are forgotten. Default 5. */
        releases_kept: z.number().int().min(1).default(5),
        /** Deployments one worker process runs at once (one per app at a time). Default 2. */
        concurrency: z.number().int().positive().default(2),
        /** Hours a rotated-out webhook secret is still accepted. Default 24. */
        webhook_secret_grace_hours: z.number().min(0).default(24),
      })
      .strict()
      .default({}),
    runs: z
      .object({
        /** Seconds a run may take when it sets no `timeout_seconds`. Default 300. */
        default_timeout_seconds: z.number().int().min(1).default(300),
        /** Largest `timeout_seconds` a run may ask for. Default 3600. */
        max_timeout_seconds: z.number().int().min(1).default(3600),
        /** Longest a `wait=true` request is held before it answers 202 with the run still going. Default 60. */
        max_wait_seconds: z.number().int().min(0).max(600).default(60),
        /** Memory limit of runs that set none ("512m"; "" for none). Default "512m". */
        memory: z
          .string()
          .regex(/^(\d+(\.\d+)?\s*[bkmg]?b?)?$/i, 'must be like "512m" or "1g"')
          .default('512m'),
        /** CPU limit of runs that set none, in cores (0 for none). Default 1. */
        cpus: z.number().min(0).default(1),
        /** Most processes (threads included) a run may have at once. Default 256. */
        pids_limit: z.number().int().min(1).default(256),
        /** Bytes of `stdin` a run may send. Default 512 KiB (the request body must fit `[server] body_limit_bytes` too). */
        max_stdin_bytes: z
          .number()
          .int()
          .min(0)
          .default(512 * 1024),
        /** Bytes of stdout, and apart of stderr, kept per run; past it the run says so and goes on. Default 1 MiB. */
        max_output_bytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /** Runs the API process executes at once; later ones wait as `queued`. Default 4. */
        max_concurrent: z.number().int().positive().default(4),
        /** Hours an ended run (record and output) is kept. Default 24. */
        retention_hours: z.number().positive().default(24),
      })
      .strict()
      .default({}),
    jobs: z
      .object({
        /** Host folders under which `source.path` / `input.path` may name a folder (real paths, links resolved). Default none: uploads only. */
        allowed_roots: z.array(z.string().startsWith('/')).default([]),
        /** Bytes one upload (`POST /api/v1/jobs/uploads`) may have; also the cap of a host source folder. Default 1 GiB. */
        max_upload_bytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024 * 1024),
        /**
         * Bytes the output tar may have, and bytes a running job may write into its /app and
         * /app/output folders (measured every second; the engine puts no limit on a bind mount);
         * past either the job ends `failed`, code `output_too_large`, without output. Default 1 GiB.
         */
        max_output_bytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024 * 1024),
        /** Files and folders a running job may make in /app and /app/output; past it, as above. Default 100000. */
        max_output_files: z.number().int().positive().default(100_000),
        /** Seconds a job may run when it sets no `timeout_seconds`. Default 3600. */
        default_timeout_seconds: z.number().int().min(1).default(3600),
        /** Largest `timeout_seconds` a job may ask for. Default 86400. */
        max_timeout_seconds: z.number().int().min(1).default(86400),
        /** Memory limit of jobs that set none ("" for none). Default "1g". */
        memory: z
          .string()
          .regex(/^(\d+(\.\d+)?\s*[bkmg]?b?)?$/i, 'must be like "512m" or "1g"')
          .default('1g'),
        /** CPU limit of jobs that set none, in cores (0 for none). Default 1. */
        cpus: z.number().min(0).default(1),
        /** Most processes (threads included) a job may have at once. Default 256. */
        pids_limit: z.number().int().min(1).default(256),
        /** Jobs one worker process runs at once. Default 1. */
        concurrency: z.number().int().positive().default(1),
        /** Bytes of log kept per job; past it the log says so and the job goes on. Default 5 MiB. */
        log_max_bytes: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
        /** Hours an ended job (record, log and output) is kept. Default 168. */
        retention_hours: z.number().positive().default(168),
      })
      .strict()
      .default({}),
    log: z
      .object({
        /** error, warn, info, debug. Default info. */
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
        /** "json" (one object per line, default) or "text" (readable). */
        format: z.enum(['json', 'text']).default('json'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type BerthConfig = z.infer<typeof configSchema>;

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`. */
function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}
export type NodeConfig = BerthConfig['nodes'][number];

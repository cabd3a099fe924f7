import { z } from 'zod';

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
        body_limit_bytes: z.number().int().positive().default(1024 * 1024),
        /** Where Berth keeps its own state (the generated API token). */
        data_dir: z.string().min(1).default('/var/lib/berth'),
        /** Names this Berth in the labels of what it creates; several can share an engine. */
        instance: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/).default('default'),
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
    containers: z
      .object({
        /** When false (default) the API sees and acts on containers Berth created only. */
        manage_all: z.boolean().default(false),
        /** Seconds a container gets between SIGTERM and SIGKILL on stop/restart. Default 10. */
        stop_timeout_seconds: z.number().int().min(0).default(10),
      })
      .strict()
      .default({}),
    redis: z
      .object({
        /** Redis connection URL. Default redis://127.0.0.1:6379. */
        url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
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

/**
 * The worker's start contract: the parent passes one JSON object as the worker's last command-line
 * argument (read once in `main.ts`, the worker's composition root), never in the environment: everything
 * the app sees in `process.env` is its own settings.
 */
import { resolve } from 'node:path';
import * as z from '../../shared/zod.js';

/** How messages name the configuration argument. */
export const WORKER_CONFIG_ARG = 'the worker configuration argument';

const WorkerConfigSchema = z.object({
  appDir: z
    .string()
    .min(1)
    .transform((appDir) => resolve(appDir)),
  port: z.number().int().min(0).max(65_535),
  host: z.string().min(1).default('127.0.0.1'),
  routePrefixRequired: z.string().default('api'),
  sandboxed: z.boolean().default(false),
  /** A deployed app (`portico serve`): load errors tell how to deploy again, not to run npm. */
  deployed: z.boolean().default(false),
  connections: z.enum(['listen', 'parent']).default('listen'),
  /** Boot, then wait for the parent's `load` before reading the app (decision 0056). */
  waitForLoad: z.boolean().default(false),
});

/**
 * Where the app is and where its connections come from: `listen` on `host:port` (`port: 0` picks a free
 * port, reported in the ready message), or `parent`, which hands them over IPC (decision 0029).
 */
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** Parses the JSON configuration argument; throws an Error naming the problem. */
export function parseWorkerConfig(raw: string | undefined): WorkerConfig {
  if (raw === undefined || raw === '') {
    throw new Error(`${WORKER_CONFIG_ARG} is not set`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${WORKER_CONFIG_ARG} is not valid JSON: ${String(error)}`);
  }
  const result = WorkerConfigSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`${WORKER_CONFIG_ARG} is invalid: ${issues.join('; ')}`);
  }
  return result.data;
}

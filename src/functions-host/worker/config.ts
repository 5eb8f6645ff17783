/**
 * The worker's start contract: the parent passes one JSON object in `PORTICO_WORKER_CONFIG` (read once in
 * `main.ts`, the worker's composition root). Everything else the app sees in `process.env` is the app's
 * own settings.
 */
import { resolve } from 'node:path';
import * as z from 'zod';

/** The environment variable carrying the worker's {@link WorkerConfig}. */
export const WORKER_CONFIG_ENV = 'PORTICO_WORKER_CONFIG';

const WorkerConfigSchema = z.object({
  appDir: z
    .string()
    .min(1)
    .transform((appDir) => resolve(appDir)),
  port: z.number().int().min(0).max(65_535),
  host: z.string().min(1).default('127.0.0.1'),
  routePrefixRequired: z.string().default('api'),
});

/** Where the app is and where to listen. `port: 0` picks a free port (reported in the ready message). */
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** Parses the JSON of `PORTICO_WORKER_CONFIG`; throws an Error naming the problem. */
export function parseWorkerConfig(raw: string | undefined): WorkerConfig {
  if (raw === undefined || raw === '') {
    throw new Error(`${WORKER_CONFIG_ENV} is not set`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${WORKER_CONFIG_ENV} is not valid JSON: ${String(error)}`);
  }
  const result = WorkerConfigSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`${WORKER_CONFIG_ENV} is invalid: ${issues.join('; ')}`);
  }
  return result.data;
}

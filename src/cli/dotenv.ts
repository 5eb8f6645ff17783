/**
 * `portico start` reads `./.env` into its environment, as the SWA CLI does (dotenv): the values reach
 * the `--run` command and the API's worker, and `SWA_CLI_*` variables there apply. A variable already
 * set in the environment wins over the file's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { looksUtf16, UTF16_REASON } from '../shared/json-text.js';
import type { Logger } from '../shared/logger.js';

/** Adds the variables of `<cwd>/.env` missing from `env`; says how many it read. No file, no change. */
export async function loadDotenv(cwd: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const file = join(cwd, '.env');
  const read = await readFile(file, 'utf8').catch(() => undefined);
  if (read === undefined) {
    return;
  }
  if (looksUtf16(read)) {
    logger.warn(`left out ${file}: ${UTF16_REASON}`);
    return;
  }
  // A byte order mark (Visual Studio, PowerShell's -Encoding UTF8) would start the first name.
  const text = read.replace(/^\uFEFF/, '');
  const values = parseEnv(text);
  const added = Object.entries(values).filter(([name]) => env[name] === undefined);
  for (const [name, value] of added) {
    env[name] = value;
  }
  logger.info(
    `read ${added.length} of the ${Object.keys(values).length} variables of ${file} (set ones win)`,
  );
}

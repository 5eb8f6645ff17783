/** The admin credential of `portico serve` (CONTRACT §4): the configured one, else a generated file. */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../shared/private-fs.js';

/** File name of the generated admin token inside the data folder. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** `configured` when set; otherwise the token in `<dataDir>/admin-token`, generated (mode 0600) on first start. */
export async function resolveAdminToken(
  dataDir: string,
  configured: string | undefined,
): Promise<{ token: string; file?: string }> {
  if (configured !== undefined && configured !== '') {
    return { token: configured };
  }
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing !== '') {
    return { token: existing, file };
  }
  await makePrivateDir(dataDir);
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') {
        throw error;
      }
    },
  );
  await chmod(file, PRIVATE_FILE_MODE);
  return { token: (await readFile(file, 'utf8')).trim(), file };
}

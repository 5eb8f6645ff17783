/** The admin credential of `portico serve` (CONTRACT §4): the configured one, else a generated file. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') {
        throw error;
      }
    },
  );
  await chmod(file, 0o600);
  return { token: (await readFile(file, 'utf8')).trim(), file };
}

/**
 * The young generation a functions worker starts with (decision 0120). A call into the app's own
 * `@azure/functions` allocates about 40 KB (its `Request`, `Response`, web streams and `AbortSignal`),
 * and a sixth of it outlives V8's default 16 MB semi-space, so scavenges run every few hundred calls and
 * promote what is still held to the old generation. A larger semi-space scavenges less often and promotes
 * far less, for more memory while the worker is busy.
 */
import { splitWords } from '../shared/words.js';

/** Semi-space size in MB: `portico start` on a developer's machine, and a deployed site's worker. */
export const DEV_SEMI_SPACE_MB = 64;
export const DEPLOYED_SEMI_SPACE_MB = 32;

/** An option that sets the young generation's size, which the app's or the operator's choice wins. */
const SEMI_SPACE_OPTION = /^--(?:min|max)[-_]semi[-_]space[-_]size(?:=|$)/;

/**
 * The worker's young-generation option, or none when the app's Node.js options (`appArgs`) or
 * `NODE_OPTIONS` in the worker's environment set a semi-space size themselves: an option on the command
 * line would win over `NODE_OPTIONS`, and a maximum over a minimum.
 *
 * @example
 * youngGenerationArgs({ deployed: false, env: {}, appArgs: [] }); // ['--max-semi-space-size=64']
 * youngGenerationArgs({ deployed: true, env: { NODE_OPTIONS: '--max-semi-space-size=8' }, appArgs: [] }); // []
 */
export function youngGenerationArgs(options: {
  readonly deployed: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly appArgs: readonly string[];
}): string[] {
  const given = [...options.appArgs, ...splitWords(options.env.NODE_OPTIONS ?? '', 'plain')];
  if (given.some((arg) => SEMI_SPACE_OPTION.test(arg))) {
    return [];
  }
  const megabytes = options.deployed ? DEPLOYED_SEMI_SPACE_MB : DEV_SEMI_SPACE_MB;
  return [`--max-semi-space-size=${megabytes}`];
}

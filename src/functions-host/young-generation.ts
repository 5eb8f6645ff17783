/**
 * The young generation a functions worker starts with (decision 0120). A call into the app's own
 * `@azure/functions` allocates about 40 KB (its `Request`, `Response`, web streams and `AbortSignal`),
 * and a sixth of it outlives V8's default 16 MB semi-space, so scavenges run every few hundred calls and
 * promote what is still held to the old generation. A larger semi-space scavenges less often and promotes
 * far less, for more memory while the worker is busy.
 */
import { splitWords } from '../shared/words.js';

/** The worker's semi-space as a share of its heap limit: `portico start` (one app), a deployed site. */
const DEV_SHARE = 8;
const DEPLOYED_SHARE = 16;

/** V8's own largest semi-space in Node 20 (MB): a size at or under it changes nothing, and is not given. */
const DEFAULT_SEMI_SPACE_MB = 16;

/** An option that sets the young generation's size, which the app's or the operator's choice wins. */
const SEMI_SPACE_OPTION = /^--(?:min|max)[-_]semi[-_]space[-_]size(?:=|$)/;

/**
 * The worker's young-generation option: semi-spaces of an eighth of the heap limit (a sixteenth for a
 * deployed site's worker), 64 MB and 32 MB at the default 512 MB. None when that is no larger than V8's
 * own, or when the app's Node.js options (`appArgs`) or `NODE_OPTIONS` in the worker's environment set a
 * semi-space size themselves: an option on the command line would win over `NODE_OPTIONS`, and a maximum
 * over a minimum.
 *
 * @example
 * youngGenerationArgs({ deployed: false, heapLimitMb: 512, env: {}, appArgs: [] }); // ['--max-semi-space-size=64']
 * youngGenerationArgs({ deployed: true, heapLimitMb: 512, env: { NODE_OPTIONS: '--max-semi-space-size=8' }, appArgs: [] }); // []
 */
export function youngGenerationArgs(options: {
  readonly deployed: boolean;
  readonly heapLimitMb: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly appArgs: readonly string[];
}): string[] {
  const given = [...options.appArgs, ...splitWords(options.env.NODE_OPTIONS ?? '', 'plain')];
  const megabytes = Math.floor(options.heapLimitMb / (options.deployed ? DEPLOYED_SHARE : DEV_SHARE));
  if (megabytes <= DEFAULT_SEMI_SPACE_MB || given.some((arg) => SEMI_SPACE_OPTION.test(arg))) {
    return [];
  }
  return [`--max-semi-space-size=${megabytes}`];
}

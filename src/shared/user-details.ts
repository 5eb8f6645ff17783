/**
 * What a user's `userDetails` (the name or e-mail a provider shows) may be, wherever one is given: a
 * signed-in principal (`edge/auth/principal.ts`), an invitation or a test session (the control plane),
 * the CLI's `--user`. One rule, so that an invitation names only a user some sign-in can be.
 */

/** Longest `userDetails` (characters, after trimming). */
export const MAX_USER_DETAILS_LENGTH = 256;

const CONTROL_CHARACTER = /\p{Cc}/u;

/** The rule, as a message says it. */
export const USER_DETAILS_RULE = `1 to ${MAX_USER_DETAILS_LENGTH} characters, without control characters (line breaks, tabs)`;

/** True when `text` holds a control character (a line break, a tab, NUL...). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/**
 * What is wrong with a `userDetails` (trimmed first, as a sign-in trims it), as the end of a sentence
 * naming it (`userDetails is empty`), or undefined when nothing is.
 */
export function findUserDetailsProblem(userDetails: string): string | undefined {
  const trimmed = userDetails.trim();
  if (trimmed === '') {
    return 'is empty';
  }
  if (trimmed.length > MAX_USER_DETAILS_LENGTH) {
    return `is ${trimmed.length} characters long`;
  }
  return hasControlCharacter(trimmed)
    ? 'holds a control character (a line break, a tab or the like)'
    : undefined;
}

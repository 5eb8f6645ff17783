/**
 * The proof that a call to a function app comes from Portico's own `/api` proxy (decision 0095). The
 * proxy reaches a linked function app through this node's own listener, with the site's token and the
 * forwarded facts of the visitor's request (`x-forwarded-proto`, `x-forwarded-host`, `x-ms-original-url`).
 * The token alone cannot vouch for those facts: the function's own code receives it, and whoever holds a
 * copy could call the function app directly, choosing them. So the proxy adds a MAC of the token under a
 * key derived from the service key, which only Portico's nodes know and which never reaches a function
 * (every proxy drops the field, see `LINK_PROOF_FIELD`): a call with it is the proxy's, a call without it
 * is a direct caller's, whose facts come from its own connection.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs and checks proofs over site tokens. */
export interface LinkProof {
  /** The proof of `token`, sent in `LINK_PROOF_FIELD`. */
  sign(token: string): string;
  /** True when `proof` is the proof of `token`. */
  verify(token: string, proof: string | string[] | undefined): boolean;
}

/** Creates the signer over `key` (the service key's derived `function-app-link-proof` key). */
export function createLinkProof(key: Buffer): LinkProof {
  const sign = (token: string) => createHmac('sha256', key).update(token).digest('base64url');
  return {
    sign,
    verify(token, proof) {
      if (typeof proof !== 'string') {
        return false;
      }
      const expected = Buffer.from(sign(token));
      const given = Buffer.from(proof);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

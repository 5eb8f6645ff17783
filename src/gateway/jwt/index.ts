/** `validate-jwt`: token validation with cached openid-config key sets (spec/apim.md §2.1, §5.4). */
export { fetchJsonDocument, MAX_DOCUMENT_BYTES } from './_fetch-json.js';
export { KID_RELOAD_COOLDOWN_MS, REFRESH_INTERVAL_MS, RETRY_AFTER_FAILURE_MS } from './_openid.js';
export { MAX_TOKEN_LENGTH } from './_token.js';
export { createJwtValidator, type JwtValidatorOptions } from './validator.js';

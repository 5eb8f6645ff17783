import { describe, expect, it } from 'vitest';
import { MAX_FUNCTION_BYTES, parseDeploymentRequest } from './manifest.js';

const HASH = 'a'.repeat(64);

/** A deployment request whose API lists `files` (path → size). */
function request(files: Record<string, number>) {
  return {
    environment: 'production',
    app: [{ path: 'index.html', size: 10, sha256: HASH }],
    api: Object.entries(files).map(([path, size]) => ({ path, size, sha256: HASH })),
  };
}

describe('the API size limit', () => {
  it('says how to leave node_modules out, in the way a failed install does not send back', () => {
    const body = request({ 'host.json': 20, 'node_modules/typescript/lib/tsc.js': MAX_FUNCTION_BYTES });
    expect(() => parseDeploymentRequest(body, 'Standard')).toThrow(
      /of them in node_modules; add node_modules\/ to the API's \.funcignore .* the server installs package\.json's dependencies .* npm install --omit=dev in the API folder/,
    );
  });

  it('points at .funcignore when node_modules is not what is large', () => {
    const body = request({ 'host.json': 20, 'data/model.bin': MAX_FUNCTION_BYTES });
    expect(() => parseDeploymentRequest(body, 'Standard')).toThrow(
      /leave out what the API does not need at run time by naming it in the API's \.funcignore/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { PorticoError } from '../shared/errors.js';
import { inFlagWords } from './flag-words.js';

const refused = (message: string) =>
  Promise.reject(new PorticoError('CLIENT_REQUEST_FAILED', message, { status: 400 }));

describe('inFlagWords', () => {
  it('names whole fields as flags, at the end of a sentence too, and leaves longer names alone', async () => {
    const error = await inFlagWords(
      refused(
        'properties.path is taken; properties.pathPrefix and properties.path.x stay. Use properties.path.',
      ),
      { 'properties.path': '--path' },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).message).toBe(
      '--path is taken; properties.pathPrefix and properties.path.x stay. Use --path.',
    );
    expect((error as PorticoError).status).toBe(400);
  });

  it('leaves other errors as they are', async () => {
    const usage = new PorticoError('CLI_USAGE', 'properties.path');
    await expect(inFlagWords(Promise.reject(usage), { 'properties.path': '--path' })).rejects.toBe(usage);
  });
});

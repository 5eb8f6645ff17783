import { describe, expect, it } from 'vitest';
import { isNotModified, matchesIfNoneMatch, matchesIfRange } from './conditional.js';

const ETAG = '"5-18bcfe56800"';
const DATE = 'Tue, 14 Nov 2023 22:13:20 GMT';

describe('matchesIfNoneMatch', () => {
  it.each([ETAG, `W/${ETAG}`, `"a", ${ETAG}`, `"a",${ETAG} , "b"`, '*', ' * '])('matches %j', (header) => {
    expect(matchesIfNoneMatch(header, ETAG)).toBe(true);
  });

  it.each(['"5-18bcfe56801"', '5-18bcfe56800', '"a", "b"', ''])('does not match %j', (header) => {
    expect(matchesIfNoneMatch(header, ETAG)).toBe(false);
  });

  it('matches a weak current ETag weakly', () => {
    expect(matchesIfNoneMatch(ETAG, `W/${ETAG}`)).toBe(true);
  });

  it('only matches * once the ETag was removed', () => {
    expect(matchesIfNoneMatch(ETAG, undefined)).toBe(false);
    expect(matchesIfNoneMatch('*', undefined)).toBe(true);
  });
});

describe('isNotModified', () => {
  it('lets If-None-Match win over If-Modified-Since', () => {
    expect(isNotModified({ 'if-none-match': '"x"', 'if-modified-since': DATE }, ETAG, DATE)).toBe(false);
    expect(isNotModified({ 'if-none-match': ETAG, 'if-modified-since': 'bad' }, ETAG, DATE)).toBe(true);
  });

  it('compares If-Modified-Since with Last-Modified', () => {
    expect(isNotModified({ 'if-modified-since': DATE }, ETAG, DATE)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Tue, 14 Nov 2023 22:13:19 GMT' }, ETAG, DATE)).toBe(false);
    expect(isNotModified({ 'if-modified-since': DATE }, ETAG, undefined)).toBe(false);
  });

  it('is false without validators', () => {
    expect(isNotModified({}, ETAG, DATE)).toBe(false);
  });
});

describe('matchesIfRange', () => {
  it('allows the range without If-Range or with the current strong ETag', () => {
    expect(matchesIfRange(undefined, ETAG)).toBe(true);
    expect(matchesIfRange(ETAG, ETAG)).toBe(true);
  });

  it('refuses other tags, weak tags and dates', () => {
    expect(matchesIfRange('"other"', ETAG)).toBe(false);
    expect(matchesIfRange(`W/${ETAG}`, `W/${ETAG}`)).toBe(false);
    expect(matchesIfRange(DATE, ETAG)).toBe(false);
    expect(matchesIfRange(ETAG, undefined)).toBe(false);
  });
});

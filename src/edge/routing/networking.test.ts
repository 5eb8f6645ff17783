import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG, type NormalizedConfig } from '../../config/types.js';
import { compileAccessCheck, parseCidr, parseIpv4 } from './networking.js';

const withNetworking = (config: Partial<NormalizedConfig>): NormalizedConfig => ({
  ...EMPTY_CONFIG,
  ...config,
});
const request = (remoteAddress: string, headers: Record<string, string> = {}) => ({
  remoteAddress,
  header: (name: string) => headers[name],
});

describe('compileAccessCheck', () => {
  it('is absent without networking or required headers', () => {
    expect(compileAccessCheck(EMPTY_CONFIG)).toBeUndefined();
  });

  it('allows addresses inside the ranges and denies the rest (spec check 54)', () => {
    const check = compileAccessCheck(
      withNetworking({ networking: { allowedIpRanges: ['10.0.0.0/24', 'AzureFrontDoor.Backend'] } }),
    );
    expect(check?.(request('10.0.0.5'))).toBeUndefined();
    expect(check?.(request('::ffff:10.0.0.200'))).toBeUndefined();
    expect(check?.(request('192.0.2.1'))).toMatch(/allowedIpRanges/);
    expect(check?.(request('::1'))).toMatch(/allowedIpRanges/);
  });

  it('requires headers with case-insensitive names and case-sensitive values (spec check 55)', () => {
    const check = compileAccessCheck(
      withNetworking({
        forwardingGateway: { allowedForwardedHosts: [], requiredHeaders: { 'X-Azure-FDID': 'abc' } },
      }),
    );
    expect(check?.(request('1.2.3.4', { 'x-azure-fdid': 'abc' }))).toBeUndefined();
    expect(check?.(request('1.2.3.4', { 'x-azure-fdid': 'ABC' }))).toMatch(/X-Azure-FDID/);
    expect(check?.(request('1.2.3.4'))).toMatch(/X-Azure-FDID/);
  });
});

describe('parseCidr / parseIpv4', () => {
  it('parses addresses and prefixes', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('256.0.0.1')).toBeUndefined();
    expect(parseCidr('10.0.0.7/24')).toEqual({ base: 0x0a000000, mask: 0xffffff00 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, mask: 0 });
    expect(parseCidr('AzureFrontDoor.Backend')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../shared/errors.js';
import { lookupDomainName, normalizeDomainName } from './names.js';

describe('normalizeDomainName', () => {
  it('keeps an ASCII name in lower case without its final dot', () => {
    expect(normalizeDomainName('WWW.Example.COM.', 'portico.test')).toBe('www.example.com');
  });

  it('refuses Unicode and Punycode (xn--) names, as Azure does (spec §7)', () => {
    for (const name of ['bücher.de', 'xn--bcher-kva.de', 'BÜCHER.DE', 'www.XN--BCHER-KVA.de', '例え.jp']) {
      let error: unknown;
      try {
        normalizeDomainName(name, 'portico.test');
      } catch (caught) {
        error = caught;
      }
      expect(error, name).toBeInstanceOf(PorticoError);
      expect((error as PorticoError).code).toBe('CONTROL_DOMAIN_NAME_INVALID');
      expect((error as PorticoError).message).toContain(
        'Unicode and Punycode (xn--) domain names are not supported (as in Azure)',
      );
    }
  });
});

describe('lookupDomainName', () => {
  it('still finds a name stored as Punycode by either spelling', () => {
    expect(lookupDomainName('Bücher.Example.')).toBe('xn--bcher-kva.example');
    expect(lookupDomainName('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
  });
});

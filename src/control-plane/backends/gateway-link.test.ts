import { describe, expect, it } from 'vitest';
import type { ApimService } from '../apim/service.js';
import type { ControlContext } from '../context.js';
import type { Environment } from '../environments.js';
import { linkPolicyAddress, linkPolicyXml } from './gateway-link.js';

const service = { gatewayHostname: 'contoso.azure-api.example.test' } as ApimService;
const environment = { id: 'e1', hostname: 'shop-1.example.test' } as Environment;

/** A context whose hosts answer over `scheme` at `port` (`:8080`, or empty for the default port). */
function at(scheme: string, port: string): ControlContext {
  return { publicUrl: (hostname: string) => `${scheme}://${hostname}${port}` } as ControlContext;
}

describe('linkPolicyAddress: the policy linking wrote for another address of the service', () => {
  it('finds the address of a policy written at another port, without a port, or over the other scheme', () => {
    const now = at('https', ':8443');
    for (const [scheme, port] of [
      ['http', ':8080'],
      ['http', ''],
      ['https', ':9443'],
    ] as const) {
      const written = linkPolicyXml(at(scheme, port), service, environment);
      expect(linkPolicyAddress(now, service, environment, written)).toBe(
        `${scheme}://contoso.azure-api.example.test${port}`,
      );
    }
  });

  it('finds nothing in the policy for the current address', () => {
    const now = at('http', ':8080');
    expect(linkPolicyAddress(now, service, environment, linkPolicyXml(now, service, environment))).toBe(
      undefined,
    );
  });

  it('leaves alone a policy that differs in anything but the address', () => {
    const now = at('http', ':8080');
    const old = linkPolicyXml(at('http', ':7070'), service, environment);
    const edited = [
      old.replace('failed-validation-httpcode="401"', 'failed-validation-httpcode="403"'),
      old.replace('shop-1.example.test:7070/.auth</issuer>', 'shop-1.example.test:6060/.auth</issuer>'),
      old.replaceAll('contoso.azure-api.example.test', 'other.azure-api.example.test'),
      old.replaceAll(':7070', ':70x0'),
      `${old}\n`,
    ];
    for (const value of edited) {
      expect(linkPolicyAddress(now, service, environment, value)).toBe(undefined);
    }
  });
});

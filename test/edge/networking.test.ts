/** Spec §12 checks 54–55 (D3): networking and forwarding-gateway denials, from real client addresses. */
import { describe, expect, it } from 'vitest';
import { startApp } from '../helpers/app.js';

describe('networking.allowedIpRanges', () => {
  it('54. allows listed addresses and denies the rest with 403, before any route rule', async () => {
    const app = await startApp(
      { 'index.html': 'home', '403.html': 'custom' },
      {
        config: {
          networking: { allowedIpRanges: ['127.0.0.2/32'] },
          responseOverrides: { '403': { rewrite: '/403.html' } },
        },
      },
    );
    try {
      expect((await app.fetch('/', { localAddress: '127.0.0.2' })).status).toBe(200);
      const denied = await app.fetch('/', { localAddress: '127.0.0.3' });
      expect(denied.status).toBe(403);
      expect(denied.text).not.toBe('custom');
    } finally {
      await app.close();
    }
  });

  it('is a Standard-plan feature: a Free plan refuses to start', async () => {
    await expect(
      startApp(
        { 'index.html': 'x' },
        { plan: 'free', config: { networking: { allowedIpRanges: ['10.0.0.0/8'] } } },
      ),
    ).rejects.toThrow(/networking.*Standard plan/s);
  });
});

describe('forwardingGateway.requiredHeaders', () => {
  it('55. names are case-insensitive, values case-sensitive', async () => {
    const app = await startApp(
      { 'index.html': 'home' },
      { config: { forwardingGateway: { requiredHeaders: { 'X-Azure-FDID': 'abc' } } } },
    );
    try {
      expect((await app.fetch('/')).status).toBe(403);
      expect((await app.fetch('/', { headers: { 'x-azure-fdid': 'ABC' } })).status).toBe(403);
      expect((await app.fetch('/', { headers: { 'X-AZURE-FDID': 'abc' } })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

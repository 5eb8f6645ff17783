import { describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../config/types.js';
import { createProviderFilter } from './providers.js';

describe('createProviderFilter', () => {
  it('enables github and aad when no provider is registered', () => {
    const isEnabled = createProviderFilter({ providers: [] });
    expect(isEnabled('github')).toBe(true);
    expect(isEnabled('aad')).toBe(true);
    expect(isEnabled('twitter')).toBe(false);
    expect(isEnabled('GitHub')).toBe(false);
  });

  it('accepts only enabled custom registrations once any exists', () => {
    const auth: AuthConfig = {
      providers: [
        { name: 'aad', kind: 'azureActiveDirectory', enabled: true },
        { name: 'okta', kind: 'customOpenIdConnect', enabled: true },
        { name: 'google', kind: 'google', enabled: false },
      ],
    };
    const isEnabled = createProviderFilter(auth);
    expect(isEnabled('aad')).toBe(true);
    expect(isEnabled('okta')).toBe(true);
    expect(isEnabled('google')).toBe(false);
    expect(isEnabled('github')).toBe(false);
  });
});

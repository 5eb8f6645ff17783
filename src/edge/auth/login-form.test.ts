import { describe, expect, it } from 'vitest';
import { renderLoginForm, renderProviderNotFound } from './login-form.js';

describe('renderLoginForm', () => {
  it('posts every field to the provider login path', () => {
    const html = renderLoginForm({ provider: 'github', postLoginRedirectUri: '/home' });
    expect(html).toContain('<form method="post" action="/.auth/login/github"');
    for (const name of ['userDetails', 'userId', 'userRoles', 'claims']) {
      expect(html).toContain(`id="${name}" name="${name}"`);
    }
    expect(html).toContain('<input type="hidden" name="post_login_redirect_uri" value="/home">');
    expect(html).toMatch(/id="userDetails"[^>]*required/);
  });

  it('loads nothing external and runs no script', () => {
    const html = renderLoginForm({ provider: 'aad' });
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)\s*=/i);
    expect(html).not.toContain('http');
  });

  it('escapes every interpolated value', () => {
    const evil = '"><script>alert(1)</script>';
    const html = renderLoginForm({
      provider: evil,
      postLoginRedirectUri: evil,
      error: evil,
      values: { userDetails: evil, userId: evil, userRoles: `</textarea>${evil}`, claims: evil },
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('</textarea><');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('shows the error and the submitted values', () => {
    const html = renderLoginForm({ provider: 'github', error: 'Nope', values: { userRoles: 'a\nb' } });
    expect(html).toContain('<p class="error" role="alert">Nope</p>');
    expect(html).toContain('>\na\nb</textarea>');
  });
});

describe('renderProviderNotFound', () => {
  it('names the provider, escaped', () => {
    expect(renderProviderNotFound('<x>')).toContain('<code>&lt;x&gt;</code>');
  });
});

/**
 * A real OpenID Connect provider on loopback for sign-in tests (the npm package oidc-provider, with its
 * development login and consent pages), and a small cookie-keeping browser that follows redirects across
 * hosts and fills those pages' forms the way a user would.
 */
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { request } from 'undici';
import { closeServer, listen } from '../../src/edge/index.js';

export interface OidcClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
}

export interface TestOidcProvider {
  readonly issuer: string;
  /** The discovery document's URL. */
  readonly wellKnown: string;
  /** Registers (or replaces) a client; the provider reads clients when they are used. */
  setClients(clients: readonly OidcClient[]): void;
  close(): Promise<void>;
}

/**
 * Starts the provider on 127.0.0.1; every login name is an account whose e-mail is `<login>@example.com`
 * (logins starting with "big" also have 300 long `groups`, "many" 150 short ones).
 */
export async function startOidcProvider(): Promise<TestOidcProvider> {
  let clients: OidcClient[] = [];
  let handler: ((req: never, res: never) => void) | undefined;
  const server: Server = createServer((req, res) => handler?.(req as never, res as never));
  const issuer = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  const build = () => {
    const provider = new Provider(issuer, {
      clients: clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: [...c.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      })),
      cookies: { keys: ['portico-test-cookie-key'] },
      pkce: { required: () => true },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username', 'groups'],
      },
      findAccount: (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: () => ({
          sub: id,
          email: `${id}@example.com`,
          email_verified: true,
          name: `User ${id}`,
          preferred_username: id,
          // Logins starting with "big" belong to very many groups (a token larger than any cookie).
          ...(id.startsWith('big')
            ? { groups: Array.from({ length: 300 }, (_, i) => `group-${i}-${'x'.repeat(60)}`) }
            : {}),
          // Logins starting with "many" belong to 150 groups of short names (small, but many claims).
          ...(id.startsWith('many') ? { groups: Array.from({ length: 150 }, (_, i) => `g${i}`) } : {}),
        }),
      }),
    });
    handler = provider.callback() as never;
  };
  build();
  return {
    issuer,
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    setClients(next) {
      clients = [...next];
      build();
    },
    close: () => closeServer(server),
  };
}

export interface BrowserResponse {
  readonly status: number;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/**
 * Keeps cookies per host (name=value only; Path and expiry are not modelled beyond Max-Age=0 removing
 * one) and follows redirects. `hostOverrides` maps a URL host to the address to connect to, so that site
 * host names resolve to the test server.
 */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];

  private readonly connect: (url: URL) => { origin: string; host: string };

  constructor(connect: (url: URL) => { origin: string; host: string }) {
    this.connect = connect;
  }

  cookiesOf(host: string): Map<string, string> {
    let cookies = this.jar.get(host);
    if (cookies === undefined) {
      cookies = new Map();
      this.jar.set(host, cookies);
    }
    return cookies;
  }

  /** GETs a URL and follows redirects (at most 20), unless `stopAt` matches a redirect target. */
  async get(url: string, options: { stopAt?: (url: URL) => boolean } = {}): Promise<BrowserResponse> {
    return this.go('GET', url, undefined, options.stopAt);
  }

  /** Sends HEAD to a URL with the browser's cookies, as a link checker would; never follows a redirect. */
  async head(url: string): Promise<BrowserResponse> {
    return this.go('HEAD', url, undefined, () => true);
  }

  /** Submits the first form of a page with its hidden fields plus `fields`; `stopAt` as for {@link get}. */
  async submitForm(
    page: BrowserResponse,
    fields: Record<string, string>,
    stopAt?: (url: URL) => boolean,
  ): Promise<BrowserResponse> {
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(page.text);
    if (form === null) {
      throw new Error(`no form on ${page.url}: ${page.text.slice(0, 200)}`);
    }
    const body = new URLSearchParams();
    for (const input of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
      body.set(input[1] ?? '', input[2] ?? '');
    }
    for (const [name, value] of Object.entries(fields)) {
      body.set(name, value);
    }
    return this.go('POST', new URL(form[1] ?? '', page.url).href, body.toString(), stopAt);
  }

  /**
   * Signs in at the provider's login and consent pages as `login`; with `stopAt`, stops before a redirect
   * it matches (the redirect's target is then the answer's `text`).
   */
  async signInAtProvider(
    loginPage: BrowserResponse,
    login: string,
    stopAt?: (url: URL) => boolean,
  ): Promise<BrowserResponse> {
    let page = await this.submitForm(loginPage, { login, password: 'any' }, stopAt);
    if (page.text.includes('name="prompt" value="consent"')) {
      page = await this.submitForm(page, {}, stopAt);
    }
    return page;
  }

  private async go(
    method: string,
    start: string,
    body: string | undefined,
    stopAt?: (url: URL) => boolean,
  ): Promise<BrowserResponse> {
    let url = new URL(start);
    let currentMethod = method;
    let currentBody = body;
    for (let hop = 0; hop < 20; hop += 1) {
      this.visited.push(url.href);
      const target = this.connect(url);
      const cookies = [...this.cookiesOf(url.host)].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await request(`${target.origin}${url.pathname}${url.search}`, {
        method: currentMethod as 'GET',
        headers: {
          host: target.host,
          ...(cookies === '' ? {} : { cookie: cookies }),
          ...(currentBody === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body: currentBody,
      });
      const text = await response.body.text();
      this.store(url.host, response.headers['set-cookie']);
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        const next = new URL(location, url);
        if (stopAt?.(next)) {
          return { status: response.statusCode, url: url.href, headers: response.headers, text: next.href };
        }
        url = next;
        currentMethod = 'GET';
        currentBody = undefined;
        continue;
      }
      return { status: response.statusCode, url: url.href, headers: response.headers, text };
    }
    throw new Error(`too many redirects from ${start}`);
  }

  private store(host: string, header: string | string[] | undefined): void {
    const cookies = this.cookiesOf(host);
    for (const line of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/max-age=0\b/i.test(line) || /expires=thu, 01 jan 1970/i.test(line) || value === '') {
        cookies.delete(name);
      } else {
        cookies.set(name, value);
      }
    }
  }
}

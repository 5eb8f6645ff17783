/**
 * A GitHub-like OAuth 2 server on loopback for sign-in tests: the three endpoints GitHub's web flow uses
 * (authorize, access_token, and the REST API's /user), with PKCE checked and each code usable once. The
 * user "at the keyboard" is whoever the test names with `nextUser`; authorizing approves at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listen } from '../../src/edge/index.js';

export interface GithubUser {
  readonly login: string;
  /** Absent only to play a broken API. */
  readonly id?: number;
  readonly name?: string;
}

export interface TestGithub {
  /** Base URL standing for https://github.com. */
  readonly url: string;
  /** Base URL standing for https://api.github.com. */
  readonly apiUrl: string;
  /** Who approves the next authorization. */
  nextUser: GithubUser;
  /** When true, the user API answers 500 (an outage after the code was redeemed). */
  userApiDown: boolean;
  close(): Promise<void>;
}

interface Grant {
  readonly user: GithubUser;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string | null;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

/** Starts the server; `clients` maps client ids to secrets. */
export async function startGithub(clients: Readonly<Record<string, string>>): Promise<TestGithub> {
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, GithubUser>();
  // The handler reads the test's settings from the object it gets back.
  let github: TestGithub | undefined;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://github.test');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const clientId = url.searchParams.get('client_id') ?? '';
      if (clients[clientId] === undefined) {
        return json(404, { error: 'unknown client' });
      }
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        user: github?.nextUser ?? { login: 'octocat', id: 1 },
        clientId,
        redirectUri,
        challenge: url.searchParams.get('code_challenge'),
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = await readForm(req);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (
        grant === undefined ||
        clients[grant.clientId] !== form.get('client_secret') ||
        grant.redirectUri !== form.get('redirect_uri') ||
        (grant.challenge !== null && grant.challenge !== challenge)
      ) {
        return json(200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
        });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    if (url.pathname === '/user' && github?.userApiDown === true) {
      return json(500, { message: 'Server Error' });
    }
    if (url.pathname === '/user') {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      return user === undefined ? json(401, { message: 'Bad credentials' }) : json(200, user);
    }
    json(404, { message: 'Not Found' });
  });
  const base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  github = {
    url: base,
    apiUrl: base,
    nextUser: { login: 'octocat', id: 1 },
    userApiDown: false,
    close: () => closeServer(server),
  };
  return github;
}

/** Inbound checks: `validate-jwt`, `check-header`, `ip-filter` (spec/apim.md §1.3, §2.1). */
import {
  type GatewayContext,
  isPromiseLike,
  type JwtKeySpec,
  type JwtOutcome,
  type JwtRules,
  type RequiredClaim,
} from '../../types.js';
import type { TextExpr } from '../expressions.js';
import {
  childrenOf,
  choice,
  fail,
  finalStatus,
  flag,
  integer,
  type ParseContext,
  type PolicyKind,
  problem,
  text,
  valueExpr,
} from '../model.js';
import type { XmlElement } from '../xml.js';
import { ipMatcher } from './ip.js';

function keysOf(p: ParseContext, el: XmlElement): JwtKeySpec[] {
  return childrenOf(p, el, { key: ['id', 'n', 'e', 'certificate-id'] }).flatMap((key): JwtKeySpec[] => {
    const id = key.attributes.get('id');
    const n = key.attributes.get('n');
    const e = key.attributes.get('e');
    if (key.attributes.has('certificate-id')) {
      return (
        problem(
          p,
          key,
          '<key certificate-id> is not supported; give the key as base64 text or as n and e.',
        ) ?? []
      );
    }
    if (n !== undefined && e !== undefined) {
      return [{ kind: 'rsa', n, e, ...(id === undefined ? {} : { id }) }];
    }
    if (key.text === '' || !/^[A-Za-z0-9+/=_-]+$/.test(key.text)) {
      return problem(p, key, '<key> needs a base64 value, or the attributes n and e.') ?? [];
    }
    return [{ kind: 'base64', value: key.text, ...(id === undefined ? {} : { id }) }];
  });
}

function claimsOf(p: ParseContext, el: XmlElement): RequiredClaim[] {
  return childrenOf(p, el, { claim: ['name', 'match', 'separator'] }, { containers: ['claim'] }).flatMap(
    (claim): RequiredClaim[] => {
      const name = text(p, claim, 'name');
      const match = choice(p, claim, 'match', ['all', 'any'] as const, 'all');
      const separator = claim.attributes.get('separator');
      const values = childrenOf(p, claim, { value: [] }).map((value) => value.text);
      return name === undefined || match === undefined
        ? []
        : [{ name, match, values, ...(separator === undefined ? {} : { separator }) }];
    },
  );
}

function textsOf(p: ParseContext, el: XmlElement, child: string): string[] {
  return childrenOf(p, el, { [child]: [] }).map((c) => c.text);
}

function jwtRules(p: ParseContext, el: XmlElement): JwtRules {
  const rules = {
    openidConfigUrls: [] as string[],
    signingKeys: [] as JwtKeySpec[],
    audiences: [] as string[],
    issuers: [] as string[],
    requiredClaims: [] as RequiredClaim[],
  };
  const containers = ['issuer-signing-keys', 'audiences', 'issuers', 'required-claims'];
  const spec = { 'openid-config': ['url'], ...Object.fromEntries(containers.map((name) => [name, []])) };
  for (const child of childrenOf(p, el, spec, { containers })) {
    if (child.name === 'openid-config') {
      const url = text(p, child, 'url');
      if (url !== undefined && !/^https?:\/\//.test(url)) {
        problem(p, child, `<openid-config url="${url}"> must be an absolute http(s) URL.`);
      }
      rules.openidConfigUrls.push(url ?? '');
    } else if (child.name === 'issuer-signing-keys') {
      rules.signingKeys.push(...keysOf(p, child));
    } else if (child.name === 'audiences') {
      rules.audiences.push(...textsOf(p, child, 'audience'));
    } else if (child.name === 'issuers') {
      rules.issuers.push(...textsOf(p, child, 'issuer'));
    } else {
      rules.requiredClaims.push(...claimsOf(p, child));
    }
  }
  return {
    ...rules,
    requireExpirationTime: flag(p, el, 'require-expiration-time', true),
    requireSignedTokens: flag(p, el, 'require-signed-tokens', true),
    clockSkewSeconds: integer(p, el, 'clock-skew', { min: 0, max: 86_400, fallback: 0 }) ?? 0,
  };
}

type TokenSource = (ctx: Parameters<TextExpr>[0]) => string | undefined;

function tokenSource(p: ParseContext, el: XmlElement): TokenSource | undefined {
  const header = el.attributes.get('header-name');
  const query = el.attributes.get('query-parameter-name');
  const value = el.attributes.get('token-value');
  if ([header, query, value].filter((v) => v !== undefined).length !== 1) {
    return problem(
      p,
      el,
      '<validate-jwt> needs exactly one of header-name, query-parameter-name or token-value.',
    );
  }
  if (value !== undefined) {
    const expr = valueExpr(p, el, value, 'token-value');
    return expr === undefined ? undefined : (ctx) => expr(ctx) || undefined;
  }
  if (query !== undefined) {
    return (ctx) => ctx.request.query.get(query) ?? undefined;
  }
  const name = (header ?? '').toLowerCase();
  const scheme = el.attributes.get('require-scheme') ?? (name === 'authorization' ? 'Bearer' : undefined);
  const prefix = scheme === undefined ? undefined : `${scheme.toLowerCase()} `;
  return (ctx) => {
    const raw = ctx.request.headers.get(name)?.[0]?.trim();
    if (raw === undefined || scheme === undefined || prefix === undefined) {
      return raw || undefined;
    }
    // `raw.toLowerCase().startsWith(prefix)` without lower-casing the whole token: lower-casing keeps
    // each character's place (header values are Latin-1), so the first characters are enough.
    return raw.slice(0, prefix.length).toLowerCase() === prefix
      ? raw.slice(scheme.length + 1).trim() || undefined
      : undefined;
  };
}

export const validateJwt: PolicyKind = {
  name: 'validate-jwt',
  sections: ['inbound'],
  attributes: [
    'header-name',
    'query-parameter-name',
    'token-value',
    'failed-validation-httpcode',
    'failed-validation-error-message',
    'require-expiration-time',
    'require-scheme',
    'require-signed-tokens',
    'clock-skew',
    'output-token-variable-name',
  ],
  parse(el, p) {
    const source = tokenSource(p, el);
    const status = finalStatus(p, el, 'failed-validation-httpcode', 401) ?? 401;
    const custom = el.attributes.get('failed-validation-error-message');
    const variable = el.attributes.get('output-token-variable-name');
    const rules = jwtRules(p, el);
    if (rules.openidConfigUrls.length === 0 && rules.signingKeys.length === 0) {
      problem(
        p,
        el,
        '<validate-jwt> needs <openid-config url="…"/> or <issuer-signing-keys> to check signatures.',
      );
    }
    if (source === undefined) {
      return undefined;
    }
    const apply = (ctx: GatewayContext, outcome: JwtOutcome): void => {
      if (!outcome.ok) {
        fail(status, custom ?? `${outcome.message} Access denied.`, outcome.reason, 'validate-jwt');
      }
      if (variable !== undefined) {
        ctx.variables.set(variable, outcome.claims);
      }
    };
    return {
      name: 'validate-jwt',
      // Without a promise when the validator answers at once (keys loaded, token verified before).
      run(ctx) {
        const token = source(ctx);
        if (token === undefined) {
          fail(status, custom ?? 'JWT not present.', 'TokenNotPresent', 'validate-jwt');
        }
        const outcome = ctx.deps.jwt.validate(token, rules);
        return isPromiseLike(outcome) ? outcome.then((done) => apply(ctx, done)) : apply(ctx, outcome);
      },
    };
  },
};

export const checkHeader: PolicyKind = {
  name: 'check-header',
  sections: ['inbound'],
  attributes: ['name', 'failed-check-httpcode', 'failed-check-error-message', 'ignore-case'],
  parse(el, p) {
    const name = text(p, el, 'name');
    const status = finalStatus(p, el, 'failed-check-httpcode');
    const custom = el.attributes.get('failed-check-error-message');
    const ignoreCase = flag(p, el, 'ignore-case', false);
    const values = textsOf(p, el, 'value').map((v) => (ignoreCase ? v.toLowerCase() : v));
    if (name === undefined || status === undefined) {
      return undefined;
    }
    return {
      name: 'check-header',
      run(ctx) {
        const found = ctx.request.headers.get(name.toLowerCase());
        if (found === undefined) {
          fail(
            status,
            custom ?? `Header ${name} was not found in the request. Access denied.`,
            'HeaderNotFound',
            'check-header',
          );
        }
        const value = found.join(',');
        if (values.length > 0 && !values.includes(ignoreCase ? value.toLowerCase() : value)) {
          fail(
            status,
            custom ?? `Header ${name} value of ${value.slice(0, 200)} is not allowed. Access denied.`,
            'HeaderValueNotAllowed',
            'check-header',
          );
        }
      },
    };
  },
};

export const ipFilter: PolicyKind = {
  name: 'ip-filter',
  sections: ['inbound'],
  attributes: ['action'],
  parse(el, p) {
    const action = choice(p, el, 'action', ['allow', 'forbid'] as const);
    const addresses = childrenOf(p, el, { address: [], 'address-range': ['from', 'to'] });
    if (addresses.length === 0) {
      problem(p, el, '<ip-filter> needs at least one <address> or <address-range from="…" to="…"/>.');
    }
    const matches = ipMatcher(p, addresses);
    if (action === undefined || matches === undefined) {
      return undefined;
    }
    return {
      name: 'ip-filter',
      run(ctx) {
        if (matches(ctx.clientIp) !== (action === 'allow')) {
          fail(
            403,
            `Caller IP address ${ctx.clientIp} is not allowed. Access denied.`,
            'CallerIpNotAllowed',
            'ip-filter',
          );
        }
      },
    };
  },
};

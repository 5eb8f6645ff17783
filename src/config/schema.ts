import { MAX_ROLE_LENGTH } from '../shared/role-names.js';
import * as z from '../shared/zod.js';
import { KNOWN_API_RUNTIMES, MAX_ALLOWED_IP_RANGES } from './constants.js';
import {
  FILE_EXTENSION_KEY,
  HEADER_NAME,
  HEADER_VALUE,
  HOST_NAME,
  IP_RANGE_OR_SERVICE_TAG,
  MEDIA_TYPE,
  NO_WHITE_SPACE,
  noRoleLongerThan,
  REDIRECT_TARGET,
  REWRITE_TARGET,
  ROLE_LIST_ENTRY,
  ROUTE_PATTERN,
  STATUS_CODE_STRING,
} from './internal/patterns.js';
import { authSchema } from './schema-auth.js';
import { HTTP_METHODS } from './types.js';

/**
 * The zod schema of the raw `staticwebapp.config.json` (learn.microsoft.com/azure/static-web-apps/configuration).
 * Every object is strict: an unknown key is an error (D9, fail closed). Lenient value forms seen in real files
 * (a numeric string `statusCode`, comma-joined roles, paths without a leading slash) are accepted here so that
 * editors accept them too; `checks/` warns about them and `normalize.ts` turns them into canonical values.
 */

const routePattern = z
  .string()
  .regex(ROUTE_PATTERN, { error: 'must be a non-empty path pattern such as "/admin/*"' })
  .describe('A path, optionally ending in * or *.ext or *.{a,b}');

const rewriteTarget = z
  .string()
  .regex(REWRITE_TARGET, {
    error:
      'must be a path in the app such as "/index.html"; to send the browser to another site use redirect',
  })
  .describe('Path served instead; the browser URL does not change');

const redirectTarget = z
  .string()
  .regex(NO_WHITE_SPACE, {
    error: 'must not contain spaces or other white space; write a space as %20, such as "/a%20b"',
  })
  .regex(REDIRECT_TARGET, {
    error: 'must be a path starting with a single "/" (such as "/deals") or an absolute http(s):// URL',
  })
  .describe('Path or absolute http(s) URL to redirect to; 302 unless statusCode is 301');

const statusCode = z
  .union(
    [
      z.int().min(100).max(599),
      z.string().regex(STATUS_CODE_STRING, {
        error: 'must be an HTTP status code such as 404; write it as a number',
      }),
    ],
    { error: 'must be an HTTP status code between 100 and 599, such as 404' },
  )
  .describe('HTTP status code (write it as a number)');

const headerName = z.string().regex(HEADER_NAME, {
  error: 'is not a valid header name; use letters, digits and "-" only, such as "Cache-Control"',
});

const headerValue = z.string().regex(HEADER_VALUE, {
  error:
    'header values must be one line of printable text: no line break or control character, and no character above U+00FF (such as "✓" or "€"); percent-encode those',
});

const headersSchema = z
  .record(headerName, headerValue)
  .describe('Header name → value; "" removes the header');

// The rule of every place a role is given (shared/role-names.ts): a role that can be given can protect a route.
const roleEntry = z
  .string()
  .regex(ROLE_LIST_ENTRY, {
    error: 'role names may contain only letters, digits and "_", such as "administrator"',
  })
  .regex(noRoleLongerThan(MAX_ROLE_LENGTH), {
    error: `role names are at most ${MAX_ROLE_LENGTH} characters (no user could be given a longer one); shorten it`,
  });

const allowedRoles = z
  .union([z.array(roleEntry), roleEntry], {
    error: 'must be an array of role names, such as ["authenticated"]',
  })
  .describe('Roles allowed through (OR-ed); built-in: anonymous, authenticated');

const method = z.enum(HTTP_METHODS).describe('HTTP method');

/** One `routes[]` entry. */
export const routeRuleSchema = z
  .strictObject({
    route: routePattern,
    methods: z.array(method).optional().describe('Methods this rule matches; absent means all'),
    rewrite: rewriteTarget.optional(),
    redirect: redirectTarget.optional(),
    statusCode: statusCode.optional(),
    headers: headersSchema.optional(),
    allowedRoles: allowedRoles.optional(),
  })
  .describe('A route rule; the first rule matching route and methods applies');

const navigationFallbackSchema = z
  .strictObject({
    rewrite: rewriteTarget.describe('File served for requests that match no file'),
    exclude: z.array(routePattern).optional().describe('Patterns that never fall back'),
  })
  .describe('Fallback for requests that match no file (single-page apps)');

/** One `responseOverrides` entry. */
export const responseOverrideSchema = z
  .strictObject({
    rewrite: rewriteTarget.optional(),
    redirect: redirectTarget.optional(),
    statusCode: statusCode.optional(),
  })
  .describe('What to serve instead of the error');

const responseOverridesSchema = z
  .strictObject({
    '400': responseOverrideSchema.optional(),
    '401': responseOverrideSchema.optional(),
    '403': responseOverrideSchema.optional(),
    '404': responseOverrideSchema.optional(),
  })
  .describe('Custom responses for 400, 401, 403 and 404');

const mimeTypesSchema = z
  .record(
    z
      .string()
      .regex(FILE_EXTENSION_KEY, { error: 'keys must be file extensions with the dot, such as ".json"' }),
    z.string().regex(MEDIA_TYPE, { error: 'must be a media type such as "text/json"' }),
  )
  .describe('Extension (with the dot) → Content-Type');

const ipRange = z.string().regex(IP_RANGE_OR_SERVICE_TAG, {
  error: 'must be an IPv4 CIDR block such as "10.0.0.0/24" (use /32 for one address) or an Azure service tag',
});

const networkingSchema = z
  .strictObject({
    allowedIpRanges: z
      .array(ipRange)
      .max(MAX_ALLOWED_IP_RANGES, {
        error: `Azure allows at most ${MAX_ALLOWED_IP_RANGES} ranges; merge some`,
      })
      .optional()
      .describe('IPv4 CIDR blocks or service tags allowed in; everything else is denied'),
  })
  .describe('Networking restrictions (Standard plan)');

const forwardingGatewaySchema = z
  .strictObject({
    allowedForwardedHosts: z
      .array(
        z
          .string()
          .regex(HOST_NAME, { error: 'must be a host name such as "www.example.org", no scheme or path' }),
      )
      .optional()
      .describe('X-Forwarded-Host values used for redirect URLs'),
    requiredHeaders: headersSchema.optional().describe('Headers every request must carry'),
  })
  .describe('Forwarding gateway (Standard plan)');

const platformSchema = z
  .strictObject({
    apiRuntime: z
      .union([z.enum(KNOWN_API_RUNTIMES), z.string().min(1)])
      .optional()
      .describe('Runtime of the managed functions API, such as node:20'),
  })
  .describe('Platform settings');

/** The whole `staticwebapp.config.json`. */
export const staticWebAppConfigSchema = z
  .strictObject(
    {
      $schema: z.string().optional().describe('JSON Schema of this file'),
      routes: z.array(routeRuleSchema).optional().describe('Route rules, evaluated in order'),
      navigationFallback: navigationFallbackSchema.optional(),
      responseOverrides: responseOverridesSchema.optional(),
      globalHeaders: headersSchema.optional().describe('Headers added to every static response'),
      mimeTypes: mimeTypesSchema.optional(),
      auth: authSchema.optional(),
      networking: networkingSchema.optional(),
      forwardingGateway: forwardingGatewaySchema.optional(),
      platform: platformSchema.optional(),
      trailingSlash: z.enum(['always', 'never', 'auto']).optional().describe('Trailing-slash policy'),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'the file must hold one JSON object, such as {}' : undefined,
    },
  )
  .meta({
    title: 'Azure Static Web Apps configuration (staticwebapp.config.json)',
    description:
      'Routing, auth and headers for Azure Static Web Apps and Portico. https://aka.ms/swa/config-schema',
  });

/** `staticwebapp.config.json` as the schema accepts it (lenient forms included). */
export type RawConfig = z.output<typeof staticWebAppConfigSchema>;

/** One `routes[]` entry as the schema accepts it. */
export type RawRouteRule = z.output<typeof routeRuleSchema>;

/** One `responseOverrides` entry as the schema accepts it. */
export type RawResponseOverride = z.output<typeof responseOverrideSchema>;

/** `navigationFallback` as the schema accepts it. */
export type RawNavigationFallback = z.output<typeof navigationFallbackSchema>;

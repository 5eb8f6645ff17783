/**
 * The body of a static site's PUT and PATCH, as Azure's SDKs, Bicep and Terraform send it: the plan
 * (`sku.name`) and `tags` are kept; a property Azure has and Portico does not honour is refused when it
 * asks for something other than what Portico does, rather than answered 200 and dropped (a site asked to
 * be private must not stay public without a word).
 */
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import { quoteValue } from '../../shared/quote.js';
import { checkTags } from '../sites.js';
import { withKnownKeys } from './known-keys.js';

/** What a site's PUT or PATCH asks for; undefined: leave as it is. */
export interface SiteBody {
  readonly sku: unknown;
  readonly tags: Record<string, string> | undefined;
}

/** A property Portico answers with one value: what it accepts, and why it cannot do otherwise. */
interface FixedProperty {
  readonly accepts: (value: unknown) => boolean;
  readonly why: string;
}

/** The keys of the envelope Portico reads, in any case (`SKU`, `Properties`), as Azure does. */
const ENVELOPE = ['sku', 'tags', 'identity', 'properties'];

const absent = (value: unknown) => value === undefined || value === null;

const NO_REPOSITORY =
  'Portico does not build from a repository: build in your pipeline and deploy the output with the deployment token (portico deploy)';

const FIXED: Readonly<Record<string, FixedProperty>> = {
  publicNetworkAccess: {
    accepts: (v) => absent(v) || v === '' || v === 'Enabled',
    why: 'Portico serves every site publicly and has no private endpoints; to limit who reaches a site, use networking.allowedIpRanges in its staticwebapp.config.json (Standard plan)',
  },
  stagingEnvironmentPolicy: {
    accepts: (v) => absent(v) || v === 'Enabled',
    why: 'Portico has no pull-request builds; a preview environment exists only once something is deployed to it (deploy with --env), so not deploying to one keeps them off',
  },
  allowConfigFileUpdates: {
    accepts: (v) => absent(v) || v === true,
    why: "every deployment's staticwebapp.config.json applies in Portico",
  },
  repositoryUrl: { accepts: absent, why: NO_REPOSITORY },
  branch: { accepts: absent, why: NO_REPOSITORY },
  repositoryToken: { accepts: absent, why: NO_REPOSITORY },
  buildProperties: { accepts: absent, why: NO_REPOSITORY },
  templateProperties: { accepts: absent, why: NO_REPOSITORY },
  enterpriseGradeCdnStatus: {
    accepts: (v) => absent(v) || v === 'Disabled',
    why: 'Portico has no CDN of its own; put one in front of portico serve',
  },
};

/** Reads and checks a site's PUT or PATCH body (a 400 naming the property when it cannot be honoured). */
export function readSiteBody(body: unknown): SiteBody {
  if (body === undefined || body === null) {
    return { sku: undefined, tags: undefined };
  }
  if (!isRecord(body)) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      'The body must be a JSON object: { "sku": { "name": … } }.',
    );
  }
  const envelope = withKnownKeys(body, ENVELOPE);
  checkIdentity(envelope.identity);
  checkProperties(envelope.properties ?? {});
  return {
    sku: skuName(envelope.sku),
    tags: envelope.tags === undefined ? undefined : checkTags(envelope.tags),
  };
}

function checkProperties(value: unknown): void {
  if (!isRecord(value)) {
    throw new PorticoError('CONTROL_BAD_REQUEST', `properties must be an object, got ${quoteValue(value)}.`);
  }
  const properties = withKnownKeys(value, Object.keys(FIXED), 'properties.');
  for (const [name, rule] of Object.entries(FIXED)) {
    if (!rule.accepts(properties[name])) {
      throw new PorticoError(
        'CONTROL_BAD_REQUEST',
        `properties.${name} ${quoteValue(properties[name])} cannot be honoured: ${rule.why}. Leave it out.`,
      );
    }
  }
}

function skuName(sku: unknown): unknown {
  if (absent(sku)) {
    return undefined;
  }
  if (!isRecord(sku)) {
    throw new PorticoError(
      'CONTROL_PLAN_INVALID',
      `sku must be an object such as { "name": "Standard" }, got ${quoteValue(sku)}.`,
    );
  }
  return withKnownKeys(sku, ['name'], 'sku.').name;
}

function checkIdentity(identity: unknown): void {
  const type = isRecord(identity) ? withKnownKeys(identity, ['type'], 'identity.').type : undefined;
  if (absent(identity) || (isRecord(identity) && (absent(type) || type === 'None'))) {
    return;
  }
  throw new PorticoError(
    'CONTROL_BAD_REQUEST',
    'identity cannot be honoured: Portico has no managed identities; give the API the secrets it needs as app settings. Leave it out, or use { "type": "None" }.',
  );
}

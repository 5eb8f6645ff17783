/**
 * `portico domain add|list|show|delete|cert set`: custom domains of a site (CONTRACT §4,
 * docs/https-and-domains.md). `add` prints the DNS record the domain needs and its status.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { type CustomDomainResource, createDomainClient, type DomainClient } from '../../client/index.js';
import { PorticoError } from '../../shared/errors.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import {
  addConnectionOptions,
  type ConnectionFlags,
  connectAdmin,
  type JsonFlags,
  requireAdminToken,
  resolveUrl,
} from '../connection.js';
import {
  addJsonOption,
  formatFields,
  formatTime,
  writeJson,
  writeLines,
  writeNote,
  writeTable,
} from '../output.js';

interface SiteFlags extends JsonFlags {
  readonly site: string;
}

interface AddFlags extends SiteFlags {
  readonly validationMethod?: 'cname-delegation' | 'dns-txt-token';
  readonly default?: boolean;
}

interface CertFlags extends SiteFlags {
  readonly cert: string;
  readonly key: string;
}

function parseMethod(value: string): 'cname-delegation' | 'dns-txt-token' {
  if (value !== 'cname-delegation' && value !== 'dns-txt-token') {
    throw new InvalidArgumentError('expected cname-delegation (subdomains) or dns-txt-token (apex or any).');
  }
  return value;
}

async function connect(flags: ConnectionFlags): Promise<DomainClient> {
  return createDomainClient({
    url: resolveUrl(flags, process.env),
    token: await requireAdminToken(flags, process.env),
  });
}

/** Adds the `domain` command group to the program. */
export function registerDomainCommands(program: Command): void {
  const domain = program
    .command('domain')
    .description('Custom domains of a site, their validation and certificates');
  addJsonOption(addConnectionOptions(domain.command('add')))
    .description('Add a custom domain (or check it again); prints the DNS record it needs')
    .requiredOption('--site <name>', 'the site')
    .argument('<domain>', 'e.g. www.example.com')
    .option(
      '--validation-method <method>',
      'cname-delegation or dns-txt-token (default: by the name)',
      parseMethod,
    )
    .option('--default', 'make it the default domain: the site’s other domains redirect to it')
    .action((name: string, flags: AddFlags) => addDomain(name, flags));
  addJsonOption(addConnectionOptions(domain.command('list')))
    .description('List the custom domains of a site')
    .requiredOption('--site <name>', 'the site')
    .action((flags: SiteFlags) => listDomains(flags));
  addJsonOption(addConnectionOptions(domain.command('show')))
    .description('Show a custom domain: status, validation token, certificate')
    .requiredOption('--site <name>', 'the site')
    .argument('<domain>', 'the domain')
    .action((name: string, flags: SiteFlags) => showDomain(name, flags));
  addYesOption(addJsonOption(addConnectionOptions(domain.command('delete'))))
    .description('Remove a custom domain and its certificate')
    .requiredOption('--site <name>', 'the site')
    .argument('<domain>', 'the domain')
    .action((name: string, flags: SiteFlags & YesFlags) => deleteDomain(name, flags));
  const cert = domain.command('cert').description('The certificate of a custom domain');
  addJsonOption(addConnectionOptions(cert.command('set')))
    .description('Serve an uploaded certificate for the domain instead of one ordered by ACME')
    .requiredOption('--site <name>', 'the site')
    .requiredOption('--cert <file>', 'PEM certificate chain, leaf first')
    .requiredOption('--key <file>', 'PEM private key of the certificate')
    .argument('<domain>', 'the domain')
    .action((name: string, flags: CertFlags) => setCertificate(name, flags));
}

async function addDomain(name: string, flags: AddFlags): Promise<void> {
  const site = await (await connectAdmin(flags)).getSite(flags.site);
  const domain = await (await connect(flags)).put(flags.site, name, {
    ...(flags.validationMethod === undefined ? {} : { validationMethod: flags.validationMethod }),
    ...(flags.default === true ? { isDefault: true } : {}),
  });
  if (flags.json === true) {
    writeJson(domain);
  } else {
    writeLines([
      ...describeDomain(domain),
      '',
      ...nextStep(domain, site.properties.defaultHostname, flags.site),
    ]);
  }
  // Failed is final (only a new add checks again): the command failed, and says why.
  if (domain.properties.status === 'Failed') {
    writeNote(
      `portico: ${name} failed validation: ${domain.properties.errorMessage ?? 'no reason was given'}. Fix its DNS record, then run portico domain add --site ${flags.site} ${name} again.`,
    );
    process.exitCode = 1;
  }
}

function nextStep(domain: CustomDomainResource, target: string, site: string): string[] {
  const p = domain.properties;
  // A TXT record proves the domain is yours; visitors reach the service only by a record for the name.
  const pointing = p.validationMethod === 'dns-txt-token' ? [pointAtService(p.domainName, target)] : [];
  if (p.status === 'Ready') {
    return [`${p.domainName} is ready and serves the site's production environment.`, ...pointing];
  }
  const record =
    p.validationMethod === 'dns-txt-token'
      ? `_dnsauth.${p.domainName} TXT "${p.validationToken}"`
      : `${p.domainName} CNAME ${target}`;
  if (p.status === 'Failed') {
    // Failed is final: no periodic check will pick it up again, only a new add.
    return [`Set this DNS record: ${record}`, ...pointing];
  }
  return [
    `Add this DNS record: ${record}`,
    ...pointing,
    `Portico checks it every minute; run portico domain show --site ${site} ${p.domainName} to follow it.`,
  ];
}

/** The record that brings a TXT-validated domain's visitors to the service (docs/https-and-domains.md). */
function pointAtService(domainName: string, target: string): string {
  return `Also point ${domainName} at the service: an A record (and AAAA for IPv6) with the address of ${target}, or ALIAS/ANAME ${target} where your DNS host offers it (a subdomain may use CNAME ${target}).`;
}

function describeDomain(domain: CustomDomainResource): string[] {
  const p = domain.properties;
  const certificate = p.certificate
    ? `${p.certificate.source}, valid until ${formatTime(p.certificate.notAfter)}`
    : 'none yet';
  return formatFields([
    ['Domain', p.domainName],
    ['Status', p.status],
    ['Validation', p.validationMethod],
    ...(p.validationMethod === 'dns-txt-token' ? [['Token', p.validationToken] as const] : []),
    ['Default', p.isDefault ? 'yes' : 'no'],
    ['Certificate', certificate],
    ...(p.errorMessage ? [['Problem', p.errorMessage] as const] : []),
    ...(p.certificateError ? [['Certificate problem', p.certificateError] as const] : []),
  ]);
}

async function listDomains(flags: SiteFlags): Promise<void> {
  const domains = await (await connect(flags)).list(flags.site);
  if (flags.json === true) {
    writeJson({ value: domains });
    return;
  }
  writeTable(
    ['DOMAIN', 'STATUS', 'VALIDATION', 'DEFAULT', 'CERTIFICATE UNTIL', 'PROBLEM'],
    domains.map(({ properties: p }) => [
      p.domainName,
      p.status,
      p.validationMethod,
      p.isDefault ? 'yes' : '',
      p.certificate ? formatTime(p.certificate.notAfter) : '-',
      p.errorMessage ?? p.certificateError ?? '',
    ]),
    `The site ${flags.site} has no custom domains. Add one with portico domain add --site ${flags.site} <domain>.`,
  );
}

async function showDomain(name: string, flags: SiteFlags): Promise<void> {
  const domain = await (await connect(flags)).get(flags.site, name);
  if (flags.json === true) {
    writeJson(domain);
    return;
  }
  writeLines(describeDomain(domain));
}

async function deleteDomain(name: string, flags: SiteFlags & YesFlags): Promise<void> {
  const client = await connect(flags);
  await confirmDeletion(`the custom domain ${name} of ${flags.site} and its certificate`, flags);
  await client.delete(flags.site, name);
  if (flags.json === true) {
    writeJson({ site: flags.site, domain: name, deleted: true });
    return;
  }
  writeLines([`Removed the custom domain ${name} of ${flags.site} and its certificate.`]);
}

async function setCertificate(name: string, flags: CertFlags): Promise<void> {
  const read = async (file: string, flag: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (cause) {
      throw new PorticoError(
        'CLI_USAGE',
        `Cannot read ${flag} ${file}: ${describeReadError(cause)}. Give the path of a PEM file this user can read.`,
        {
          cause,
        },
      );
    }
  };
  const pem = { certificate: await read(flags.cert, '--cert'), privateKey: await read(flags.key, '--key') };
  const domain = await (await connect(flags)).setCertificate(flags.site, name, pem);
  if (flags.json === true) {
    writeJson(domain);
    return;
  }
  writeLines([...describeDomain(domain), '', `${name} now serves the uploaded certificate.`]);
}

/** Why a file could not be read, in words. */
function describeReadError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return 'no such file';
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return 'permission denied';
  }
  if (code === 'EISDIR') {
    return 'it is a folder';
  }
  return code ?? String(cause);
}

// @ts-check
/**
 * Custom domains of a site, as Azure's "Custom domains" blade: each domain with its status (Validating,
 * Ready, Failed and the reason), the validation method, the DNS record to set (the TXT token for
 * dns-txt-token) and the certificate's state; Add (domain name, then CNAME or TXT validation), Set as
 * default, Validate again, and Delete after a confirmation.
 */
import { confirmDialog } from './dialog.js';
import { button, createMessageArea, field, h, handleSubmit, messageOf, replace, time } from './dom.js';
import { createListArea } from './list-area.js';
import { isGoneDomain, siteApi } from './site-api.js';

/** The validation methods, with the record type Azure's portal names them by. */
const METHODS = [
  { value: 'cname-delegation', label: 'CNAME (subdomains such as www.example.com)' },
  { value: 'dns-txt-token', label: 'TXT (any domain; apex domains such as example.com need it)' },
];

/**
 * @param {HTMLElement} body
 * @param {import('./site.js').SiteView} view
 */
export async function renderDomains(body, view) {
  const messages = createMessageArea('domains-message');
  /** @type {Actions} */
  const actions = { refresh: (notice) => domains.refresh(notice), messages };
  const domains = createListArea({
    name: 'domains',
    loadingText: 'Loading custom domains…',
    load: () => siteApi.listCustomDomains(view.site.name),
    messages,
    table: {
      caption: `Custom domains of ${view.site.name}`,
      headers: ['Domain', 'Status', 'Validation', 'Certificate', ''],
      row: (domain) => [domainRow(view, domain, actions), recordRow(view, domain, actions)],
      empty: 'No custom domains yet.',
    },
  });
  replace(
    body,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'domains-title' },
      h('h2', { id: 'domains-title', text: 'Custom domains' }),
      h('p', {
        class: 'hint',
        text: `A Ready domain serves the production environment; the site's other domains redirect to its default domain, which the Overview shows as its URL. Validation looks up the DNS record shown for each domain; the CNAME target is ${String(view.site.properties?.defaultHostname ?? '')}.`,
      }),
      addForm(view, actions),
      messages.element,
      domains.element,
    ),
  );
  await domains.refresh();
}

/**
 * @typedef {{
 *   refresh: (notice?: string) => Promise<void>,
 *   messages: ReturnType<typeof createMessageArea>,
 * }} Actions
 */

/**
 * @param {import('./site.js').SiteView} view
 * @param {Actions} actions
 */
function addForm(view, { refresh, messages }) {
  const name = h('input', {
    type: 'text',
    testid: 'domain-name',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'www.example.com',
  });
  const method = h(
    'select',
    { testid: 'domain-method' },
    METHODS.map((m) => h('option', { value: m.value, text: m.label })),
  );
  let methodChosen = false;
  method.addEventListener('change', () => {
    methodChosen = true;
  });
  // Azure's default until one is chosen: TXT for an apex domain (it cannot hold a CNAME), else CNAME.
  name.addEventListener('input', () => {
    if (!methodChosen) {
      method.value = name.value.trim().split('.').length === 2 ? 'dns-txt-token' : 'cname-delegation';
    }
  });
  const submit = button('Add', 'domain-add', { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'toolbar', testid: 'domain-form', 'aria-label': 'Add a custom domain' },
    field('Domain name', name),
    field('Validation', method),
    submit,
  );
  handleSubmit(form, submit, messages, async () => {
    const domainName = name.value.trim();
    // Names compare as DNS does (no case, no final dot): adding one the site has would validate it again
    // and say "Added" for nothing.
    const key = domainName.toLowerCase().replace(/\.$/, '');
    const present = (await siteApi.listCustomDomains(view.site.name)).find(
      (/** @type {any} */ d) => String(d.name).toLowerCase() === key,
    );
    if (present !== undefined) {
      messages.show(
        `${present.name} is already a custom domain of this site (${present.properties?.status ?? 'unknown status'}); see its row below.`,
      );
      name.focus();
      return;
    }
    const added = await siteApi.putCustomDomain(
      view.site.name,
      domainName,
      /** @type {'cname-delegation' | 'dns-txt-token'} */ (method.value),
    );
    name.value = '';
    methodChosen = false;
    await refresh(`Added ${added.name}: ${added.properties?.status ?? ''}.`);
  });
  return form;
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {any} domain
 * @param {Actions} actions
 */
function domainRow(view, domain, actions) {
  const name = String(domain.name);
  const p = domain.properties ?? {};
  const status = String(p.status ?? '');
  return h(
    'tr',
    { testid: `domain-row-${name}` },
    h(
      'th',
      { scope: 'row', class: 'mono' },
      name,
      p.isDefault === true ? h('span', { class: 'badge', testid: 'domain-default', text: 'Default' }) : null,
    ),
    h(
      'td',
      {},
      h('span', { class: `badge badge-${status.toLowerCase()}`, testid: 'domain-status', text: status }),
    ),
    h('td', { testid: 'domain-method', text: p.validationMethod === 'dns-txt-token' ? 'TXT' : 'CNAME' }),
    h('td', { testid: 'domain-certificate' }, certificateState(p)),
    h(
      'td',
      { class: 'row-actions wrap-actions' },
      p.isDefault === true ? null : defaultButton(view, name, p.validationMethod, actions),
      validateButton(view, name, p.validationMethod, actions),
      deleteButton(view, name, actions),
    ),
  );
}

/**
 * The certificate's state in words: issued (by whom, until when), the last order's error, or none yet.
 * @param {any} p
 */
function certificateState(p) {
  if (p.certificate !== null && p.certificate !== undefined) {
    const source = p.certificate.source === 'uploaded' ? 'Uploaded' : 'Managed (ACME)';
    return h('span', {}, `${source}, expires `, time(p.certificate.notAfter));
  }
  if (typeof p.certificateError === 'string' && p.certificateError !== '') {
    return h('span', {
      class: 'problem-text',
      text: `Not issued: ${p.certificateError} Instead, you can upload a certificate below (Upload a certificate).`,
    });
  }
  return h('span', {
    class: 'muted',
    // The portal cannot tell whether the server has HTTPS (and so ACME) on: the words hold either way.
    text:
      p.status === 'Ready'
        ? 'Not issued yet: with HTTPS on, ACME is ordering it (a failed order shows its reason here)'
        : 'After validation',
  });
}

/**
 * The record to set for validation, the reason of the last check, and the certificate upload, under the
 * domain's row.
 * @param {import('./site.js').SiteView} view
 * @param {any} domain
 * @param {Actions} actions
 */
function recordRow(view, domain, actions) {
  const p = domain.properties ?? {};
  const txt = p.validationMethod === 'dns-txt-token';
  const target = String(view.site.properties?.defaultHostname ?? '');
  const record = txt
    ? { type: 'TXT', host: `_dnsauth.${domain.name}`, value: String(p.validationToken ?? '') }
    : {
        type: 'CNAME',
        host: String(domain.name),
        value: String(view.site.properties?.defaultHostname ?? ''),
      };
  return h(
    'tr',
    { class: 'row-details', testid: `domain-details-${domain.name}` },
    h(
      'td',
      { colspan: 5 },
      lastCheck(p),
      h(
        'dl',
        { class: 'essentials record', testid: 'domain-record', 'aria-label': `DNS record of ${domain.name}` },
        h('dt', { text: 'Record type' }),
        h('dd', { testid: 'record-type', text: record.type }),
        h('dt', { text: 'Host' }),
        h('dd', { class: 'mono', testid: 'record-host', text: record.host }),
        h('dt', { text: txt ? 'Value (validation token)' : 'Value' }),
        h('dd', { class: 'mono', testid: 'record-value', text: record.value }),
      ),
      txt
        ? h('p', { class: 'hint', testid: 'domain-pointing', text: pointAtService(domain.name, target) })
        : null,
      certificateUpload(view, String(domain.name), actions),
    ),
  );
}

/**
 * The record that brings a TXT-validated domain's visitors to the service: a TXT record proves the
 * domain is yours, but does not route it. The same words as the CLI's `pointAtService`
 * (src/cli/commands/domain.ts; the portal's plain modules cannot import it).
 * @param {string} domainName
 * @param {string} target the site's generated host name
 */
function pointAtService(domainName, target) {
  return `Also point ${domainName} at the service: an A record (and AAAA for IPv6) with the address of ${target}, or ALIAS/ANAME ${target} where your DNS host offers it (a subdomain may use CNAME ${target}).`;
}

/**
 * "Upload a certificate" (as `portico domain cert set`): a PEM certificate chain and its private key,
 * read in the browser and sent to `PUT …/certificate`; the server checks that they match and name the
 * domain, and serves them instead of ordering one by ACME.
 * @param {import('./site.js').SiteView} view
 * @param {string} name
 * @param {Actions} actions
 */
function certificateUpload(view, name, actions) {
  const certificate = h('input', {
    type: 'file',
    accept: '.pem,.crt,.cer',
    required: true,
    testid: 'cert-file',
  });
  const key = h('input', { type: 'file', accept: '.pem,.key', required: true, testid: 'cert-key-file' });
  const submit = button('Upload', `cert-upload-${name}`, {
    type: 'submit',
    'aria-label': `Upload the certificate of ${name}`,
  });
  const form = h(
    'form',
    { class: 'toolbar', 'aria-label': `Upload a certificate for ${name}` },
    field('Certificate (PEM, with its chain)', certificate),
    field('Private key (PEM)', key),
    submit,
  );
  handleSubmit(form, submit, actions.messages, async () => {
    const [chain, privateKey] = await Promise.all([fileText(certificate), fileText(key)]);
    await siteApi.setCustomDomainCertificate(view.site.name, name, chain, privateKey);
    // The row's Certificate column shows its expiry once the list is drawn again.
    await actions.refresh(`Uploaded a certificate for ${name}.`);
  });
  return h(
    'details',
    { class: 'certificate-upload', testid: `cert-upload-details-${name}` },
    h('summary', { text: 'Upload a certificate' }),
    h('p', {
      class: 'hint',
      text: 'Served instead of a certificate ordered by ACME (for example when ACME cannot reach this domain). It must name the domain and match its key.',
    }),
    form,
  );
}

/** @param {HTMLInputElement} input */
function fileText(input) {
  const file = input.files?.[0];
  return file === undefined ? Promise.resolve('') : file.text();
}

/**
 * What the last DNS check found: a failure's reason, or what a validating domain still waits for.
 * @param {any} p
 */
function lastCheck(p) {
  if (typeof p.errorMessage !== 'string' || p.errorMessage === '') {
    return null;
  }
  const failed = p.status === 'Failed';
  return h(
    'p',
    { class: failed ? 'failure-reason' : 'check-note', testid: 'domain-error' },
    h('strong', { text: failed ? 'Reason: ' : 'Waiting: ' }),
    p.errorMessage,
  );
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} name
 * @param {'cname-delegation' | 'dns-txt-token'} method
 * @param {Actions} actions
 */
function validateButton(view, name, method, actions) {
  const validate = button('Validate', `domain-validate-${name}`, {
    small: true,
    'aria-label': `Validate ${name} again`,
  });
  validate.addEventListener('click', async () => {
    validate.disabled = true;
    actions.messages.clear();
    try {
      const checked = await siteApi.revalidateCustomDomain(view.site.name, name, method);
      await actions.refresh(`Checked ${name}: ${checked.properties?.status ?? ''}.`);
    } catch (error) {
      validate.disabled = false;
      await showFailure(name, error, actions);
    }
  });
  return validate;
}

/**
 * "Set as default": the site's other custom domains redirect to this one once it is Ready, and the
 * Overview shows its URL.
 * @param {import('./site.js').SiteView} view
 * @param {string} name
 * @param {'cname-delegation' | 'dns-txt-token'} method
 * @param {Actions} actions
 */
function defaultButton(view, name, method, actions) {
  const choose = button('Set as default', `domain-default-${name}`, {
    small: true,
    'aria-label': `Set as default ${name}`,
  });
  choose.addEventListener('click', async () => {
    choose.disabled = true;
    actions.messages.clear();
    try {
      const chosen = await siteApi.setDefaultCustomDomain(view.site.name, name, method);
      const status = String(chosen.properties?.status ?? '');
      await actions.refresh(
        status === 'Ready'
          ? `${name} is now the default domain.`
          : `${name} is now the default domain; the others redirect to it once it is Ready (${status}).`,
      );
    } catch (error) {
      choose.disabled = false;
      await showFailure(name, error, actions);
    }
  });
  return choose;
}

/**
 * Shows why a domain's action failed. A domain removed since the list was drawn (someone deleted it in
 * another tab or with the CLI) is not added back: the list is drawn again as it is now, and the message
 * says what happened.
 * @param {string} name
 * @param {unknown} error
 * @param {Actions} actions
 */
async function showFailure(name, error, actions) {
  if (!isGoneDomain(error)) {
    actions.messages.show(messageOf(error));
    return;
  }
  await actions.refresh();
  actions.messages.show(
    `${name} was removed from this site by someone else since this list was shown, so nothing was done. The list now shows the site's domains as they are; add ${name} again if it is still wanted.`,
  );
}

/**
 * @param {import('./site.js').SiteView} view
 * @param {string} name
 * @param {Actions} actions
 */
function deleteButton(view, name, actions) {
  const remove = button('Delete', `domain-delete-${name}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Delete ${name}`,
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete ${name}?`,
      message: 'The domain stops serving the site and its certificate is removed.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    actions.messages.clear();
    try {
      await siteApi.deleteCustomDomain(view.site.name, name);
      await actions.refresh(`Deleted ${name}.`);
    } catch (error) {
      actions.messages.show(messageOf(error));
    }
  });
  return remove;
}

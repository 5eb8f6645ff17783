// @ts-check
/**
 * Role management › Invite, as in Azure: provider, domain (the generated host name or a Ready custom
 * domain), invitee, roles and expiry (1–168 hours); the answer's invitation link is shown with a Copy
 * button.
 */
import { api, INVITATION_PROVIDERS } from './api.js';
import { button, copyValue, createMessageArea, field, h, handleSubmit, replace, time } from './dom.js';
import { resolveSiteHosts } from './site-api.js';

/**
 * The Invite form (Azure's "Invite" blade): provider, domain, invitee, roles and expiry; shows the link.
 * @param {any} site the site resource
 */
export function inviteForm(site) {
  const siteName = String(site.name);
  const domain = domainChoice(site);
  // A known provider from the list, or the name of one of the site's custom OpenID Connect providers.
  const provider = h('input', {
    type: 'text',
    required: true,
    value: 'github',
    list: 'invite-provider-names',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'invite-provider',
  });
  const providerNames = h(
    'datalist',
    { id: 'invite-provider-names' },
    INVITATION_PROVIDERS.map((name) => h('option', { value: name })),
  );
  const user = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'invite-user',
  });
  const roles = h('input', { type: 'text', required: true, autocomplete: 'off', testid: 'invite-roles' });
  const hours = h('input', {
    type: 'number',
    min: '1',
    max: '168',
    step: '1',
    value: '24',
    required: true,
    testid: 'invite-hours',
  });
  const submit = button('Generate link', 'invite-submit', { type: 'submit', variant: 'primary' });
  const messages = createMessageArea('invite-message');
  const result = h('div', { testid: 'invite-result', hidden: true });
  const form = h(
    'form',
    {
      class: 'panel',
      id: 'invite-form',
      hidden: true,
      testid: 'invite-form',
      'aria-labelledby': 'invite-title',
    },
    h('h2', { id: 'invite-title', text: 'Invite a user' }),
    h(
      'div',
      { class: 'field-row' },
      field('Authorization provider', provider, 'github, aad, … or a custom provider name.'),
      providerNames,
      field('Domain', domain, 'Where the link opens: the generated host name or a Ready custom domain.'),
    ),
    h(
      'div',
      { class: 'field-row' },
      field('Invitee details', user, 'GitHub, Twitter… user name, or e-mail for aad.'),
    ),
    h(
      'div',
      { class: 'field-row' },
      field('Roles', roles, 'Comma-separated, e.g. editor,reviewer.'),
      field('Invitation expiration (hours)', hours, 'From 1 to 168.'),
    ),
    messages.element,
    h('div', { class: 'actions' }, submit),
    result,
  );
  handleSubmit(form, submit, messages, async () => {
    result.hidden = true;
    const invitation = await api.createInvitation(siteName, {
      provider: provider.value.trim(),
      userDetails: user.value.trim(),
      roles: roles.value.trim(),
      numHoursToExpiration: Number(hours.value),
      domain: domain.value,
    });
    replace(result, invitationLink(invitation, messages.show));
    result.hidden = false;
  });
  return form;
}

/**
 * @param {{ invitationUrl: string, expiresOn: string, warnings?: string[] }} invitation
 * @param {(text: string, kind?: 'error' | 'success') => void} report
 */
function invitationLink(invitation, report) {
  const url = h('input', {
    type: 'text',
    readOnly: true,
    class: 'mono wide',
    value: invitation.invitationUrl,
    testid: 'invite-url',
  });
  const copy = button('Copy', 'invite-copy');
  copy.addEventListener('click', () => void copyValue(url, report));
  return h(
    'div',
    { class: 'subpanel' },
    field('Invite link', url, 'Send it to the user; opening it signs them in and grants the roles.'),
    h('p', { class: 'hint' }, 'Expires ', time(invitation.expiresOn), '.'),
    // Made, but its roles ignored (a roles function gives them): said where the link is shown.
    (invitation.warnings ?? []).map((warning) =>
      h('p', {
        class: 'notice notice-warning',
        role: 'status',
        testid: 'invite-warning',
        text: `Warning: ${warning}`,
      }),
    ),
    h('div', { class: 'actions' }, copy),
  );
}

/**
 * The domain the link opens on: the generated host name at once, then the Ready custom domains, the
 * default one chosen (as Azure's Invite form offers the site's domains); one without a certificate
 * because its order failed says so.
 * @param {any} site
 */
function domainChoice(site) {
  const generated = String(site.properties?.defaultHostname ?? '');
  const choice = h('select', { testid: 'invite-domain' }, h('option', { value: generated, text: generated }));
  void resolveSiteHosts(site)
    .then(({ hosts, preferred, problems }) => {
      // A domain whose certificate order failed is still offered (over HTTP, or once one is uploaded, its
      // link opens), but says so: over HTTPS its link would fail.
      replace(
        choice,
        hosts.map((host) => {
          const problem = problems.get(host);
          return h('option', { value: host, text: problem === undefined ? host : `${host} (${problem})` });
        }),
      );
      choice.value = preferred;
    })
    .catch(() => {
      // The generated host name stays the one choice; the Custom domains tab shows the error of this call.
    });
  return choice;
}

// @ts-check
/**
 * "API Management services": the list of gateways (name, gateway URL, network, created) and the Create
 * form, as in the Azure portal's browse blade. A service's own page is `apim-service.js`.
 */
import { apim } from './apim-api.js';
import {
  button,
  createMessageArea,
  field,
  h,
  handleSubmit,
  replace,
  select,
  successNotice,
  time,
  toggleButton,
} from './dom.js';
import { createListArea } from './list-area.js';

/**
 * @param {HTMLElement} main
 * @param {import('./portal.js').App} app
 */
export async function renderServices(main, app) {
  app.setTitle('API Management services');
  const services = createListArea({
    name: 'services',
    testid: 'services-list-area',
    loadingText: 'Loading API Management services…',
    load: () => apim.listServices(),
    table: {
      caption: 'API Management services',
      headers: ['Name', 'Gateway URL', 'Network', 'Created'],
      row: serviceRow,
      empty: 'No API Management services yet. Choose Create to make the first one.',
      stack: true,
    },
  });
  const flash = app.takeFlash();
  const create = createForm(() => void services.refresh());
  replace(
    main,
    h('h1', { text: 'API Management services' }),
    flash === undefined ? null : successNotice(flash, 'flash'),
    h(
      'div',
      { class: 'toolbar' },
      toggleButton('Create', 'service-create-open', create),
      services.refreshButton('services-refresh'),
    ),
    create,
    services.element,
  );
  await services.refresh();
}

/** @param {any} service */
function serviceRow(service) {
  const name = String(service.name);
  const p = service.properties ?? {};
  return h(
    'tr',
    { testid: `service-row-${name}` },
    h(
      'th',
      { scope: 'row' },
      h('a', { href: `#/apim/${encodeURIComponent(name)}`, testid: `service-link-${name}`, text: name }),
    ),
    h('td', { class: 'mono', testid: 'service-gateway', text: String(p.gatewayUrl ?? '') }),
    h('td', { text: networkLabel(p) }),
    h('td', {}, time(p.createdAtUtc)),
  );
}

/**
 * How a service is reachable, in the Azure portal's words.
 * @param {any} p the service's properties
 */
export function networkLabel(p) {
  if (p.publicNetworkAccess === 'Disabled') {
    return 'Public access disabled';
  }
  return p.virtualNetworkType === 'Internal'
    ? 'Virtual network (internal)'
    : p.virtualNetworkType === 'External'
      ? 'Virtual network (external)'
      : 'Public';
}

/**
 * The Create form; hidden until "Create" is chosen.
 * @param {() => void} onCreated
 */
function createForm(onCreated) {
  const name = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'service-name',
  });
  const access = select(['Enabled', 'Disabled'], 'Enabled', { testid: 'service-access' });
  const network = select(['None', 'External', 'Internal'], 'None', { testid: 'service-network' });
  const submit = button('Create', 'service-create', { type: 'submit', variant: 'primary' });
  const messages = createMessageArea('service-create-message');
  const form = h(
    'form',
    { class: 'panel', id: 'create-service', hidden: true, testid: 'service-create-form' },
    h('h2', { text: 'Create an API Management service' }),
    field('Resource name', name, "Lower-case letters, digits and '-', e.g. contoso-apis."),
    h(
      'div',
      { class: 'field-row' },
      field('Public network access', access),
      field('Virtual network', network, 'Sites cannot link a service that is internal or not public.'),
    ),
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    const created = await apim.createService(name.value.trim(), {
      publicNetworkAccess: access.value,
      virtualNetworkType: network.value,
    });
    messages.show(`Created ${created.name}; its gateway is ${created.properties.gatewayUrl}.`, 'success');
    name.value = '';
    onCreated();
  });
  return form;
}

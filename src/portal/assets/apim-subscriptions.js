// @ts-check
/**
 * Subscriptions of a service, as in the Azure portal: name, scope, state (changeable), keys hidden until
 * "Show keys", "Regenerate primary/secondary key" after a confirmation, "+ Add subscription" with a
 * scope (all APIs, a product or an API). The subscription linking made for a static web app is marked,
 * and regenerating its key warns that it breaks the link.
 */
import { apim } from './apim-api.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  createMessageArea,
  errorNotice,
  field,
  h,
  handleSubmit,
  listPanel,
  messageOf,
  onChosen,
  replace,
  select,
  toggleButton,
  uid,
} from './dom.js';
import { createListArea } from './list-area.js';

/** The states a subscription may have (Azure's names). */
const STATES = ['active', 'suspended', 'submitted', 'rejected', 'cancelled', 'expired'];

/** The display name linking gives the subscription it makes for a site (docs/apim.md). */
const GENERATED = 'Generated for Static Web Apps resource with default hostname:';

/**
 * @typedef {{
 *   service: string,
 *   messages: ReturnType<typeof createMessageArea>,
 *   refresh: (notice?: string) => Promise<void>,
 * }} Context
 */

/**
 * @param {HTMLElement} body
 * @param {import('./apim-service.js').ServiceView} view
 */
export async function renderSubscriptions(body, view) {
  const service = String(view.service.name);
  const messages = createMessageArea('subscriptions-message');
  /** @type {Context} */
  const context = { service, messages, refresh: (notice) => subscriptions.refresh(notice) };
  const subscriptions = createListArea({
    name: 'subscriptions',
    loadingText: 'Loading subscriptions…',
    load: () => apim.list(service, 'subscriptions'),
    messages,
    table: {
      caption: 'Subscriptions',
      headers: ['Name', 'Scope', 'State', 'Keys', ''],
      row: (sub) => subscriptionRow(sub, context),
      stack: true,
    },
  });
  const create = h('div', { id: 'create-subscription', hidden: true });
  replace(
    body,
    h('div', { class: 'toolbar' }, toggleButton('+ Add subscription', 'subscription-create-open', create)),
    create,
    listPanel('subscriptions-title', 'Subscriptions', messages.element, subscriptions.element),
  );
  await Promise.all([context.refresh(), fillCreateForm(create, context)]);
}

/**
 * `…/service/gw/products/starter` → "Product: starter"; `…/apis` → "All APIs".
 * @param {string} scope
 */
export function scopeLabel(scope) {
  const match = /\/(products|apis)(?:\/([^/]+))?$/.exec(scope);
  if (match === null) {
    return scope;
  }
  if (match[2] === undefined) {
    return 'All APIs';
  }
  return `${match[1] === 'products' ? 'Product' : 'API'}: ${decodeURIComponent(match[2])}`;
}

/**
 * @param {any} sub
 * @param {Context} context
 */
function subscriptionRow(sub, context) {
  const id = String(sub.name);
  const p = sub.properties ?? {};
  const generated = String(p.displayName ?? '').startsWith(GENERATED);
  return h(
    'tr',
    { testid: `subscription-row-${id}` },
    h(
      'th',
      { scope: 'row' },
      String(p.displayName ?? id),
      h('div', { class: 'hint mono', text: id }),
      generated
        ? h('span', { class: 'badge badge-live', testid: 'subscription-generated', text: 'Static Web Apps' })
        : null,
    ),
    h('td', { testid: 'subscription-scope', text: scopeLabel(String(p.scope ?? '')) }),
    h('td', {}, stateControl(id, String(p.state ?? ''), context)),
    h('td', {}, keysCell(id, generated, context)),
    h('td', { class: 'row-actions' }, id === 'master' ? null : deleteButton(id, context)),
  );
}

/**
 * The state, with a select that saves a change once confirmed: a state other than active stops the
 * subscription's keys at once, and a closed select changes on a single arrow key (so the keyboard
 * chooses with Enter: `onChosen`).
 * @param {string} id @param {string} state @param {Context} context
 */
function stateControl(id, state, context) {
  const choice = select(STATES, state, {
    class: 'compact',
    testid: 'subscription-state',
    'aria-label': `State of ${id}`,
  });
  onChosen(choice, async () => {
    const next = choice.value;
    if (next === state) {
      return;
    }
    const confirmed = await confirmDialog({
      title: `Make the subscription ${id} ${next}?`,
      message:
        next === 'active'
          ? 'Its keys work again from the next call on.'
          : 'Its keys stop working from the next call on: callers get 401 until it is active again.',
      confirmLabel: `Make it ${next}`,
      danger: next !== 'active',
    });
    if (!confirmed) {
      choice.value = state;
      choice.focus();
      return;
    }
    choice.disabled = true;
    try {
      await apim.setSubscriptionState(context.service, id, choice.value);
      await context.refresh(`The subscription ${id} is now ${choice.value}.`);
    } catch (error) {
      choice.disabled = false;
      choice.value = state;
      context.messages.show(messageOf(error));
    }
  });
  return choice;
}

/**
 * Keys stay hidden until "Show keys"; each can be regenerated after a confirmation.
 * @param {string} id @param {boolean} generated @param {Context} context
 */
function keysCell(id, generated, context) {
  const cell = h('div', { class: 'keys', testid: 'subscription-keys' });
  const show = button('Show keys', `subscription-show-${id}`, {
    small: true,
    'aria-label': `Show keys of ${id}`,
  });
  const hidden = () => {
    replace(cell, show);
    show.focus();
  };
  show.addEventListener('click', async () => {
    show.disabled = true;
    try {
      const keys = await apim.listSecrets(context.service, id);
      const hide = button('Hide keys', `subscription-hide-${id}`, {
        small: true,
        'aria-label': `Hide keys of ${id}`,
      });
      hide.addEventListener('click', hidden);
      replace(
        cell,
        keyLine('Primary key', keys.primaryKey, 'primary', id, generated, context),
        keyLine('Secondary key', keys.secondaryKey, 'secondary', id, generated, context),
        hide,
      );
      hide.focus();
    } catch (error) {
      context.messages.show(messageOf(error));
    } finally {
      show.disabled = false;
    }
  });
  replace(cell, show);
  return cell;
}

/**
 * @param {string} label @param {string} key @param {'primary' | 'secondary'} which
 * @param {string} id @param {boolean} generated @param {Context} context
 */
function keyLine(label, key, which, id, generated, context) {
  const input = h('input', {
    type: 'text',
    readOnly: true,
    value: key,
    class: 'mono',
    testid: `subscription-${which}-key`,
  });
  const regenerate = button('Regenerate', `subscription-regenerate-${which}`, {
    small: true,
    'aria-label': `Regenerate the ${which} key of ${id}`,
  });
  regenerate.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Regenerate the ${which} key of ${id}?`,
      message:
        generated && which === 'primary'
          ? 'The current key stops working at once. The static web app linked through this subscription sends it, so its link breaks until you choose Repair on the site’s APIs tab.'
          : 'The current key stops working at once; callers need the new one.',
      confirmLabel: 'Regenerate',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.regenerateKey(context.service, id, which);
      await context.refresh(`Regenerated the ${which} key of ${id}.`);
    } catch (error) {
      context.messages.show(messageOf(error));
    }
  });
  input.id = uid('key');
  return h(
    'div',
    { class: 'field' },
    h('label', { for: input.id, text: label }),
    h('div', { class: 'key-row' }, input, regenerate),
  );
}

/** @param {string} id @param {Context} context */
function deleteButton(id, context) {
  const remove = button('Delete', `subscription-delete-${id}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Delete the subscription ${id}`,
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the subscription ${id}?`,
      message: 'Its keys stop working at once.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.remove(context.service, ['subscriptions', id]);
      await context.refresh(`Deleted the subscription ${id}.`);
    } catch (error) {
      context.messages.show(messageOf(error));
    }
  });
  return remove;
}

/**
 * The "+ Add subscription" form; its scope choices are the service's products and APIs.
 * @param {HTMLElement} slot
 * @param {Context} context
 */
async function fillCreateForm(slot, context) {
  let products = [];
  let apis = [];
  try {
    [products, apis] = await Promise.all([
      apim.list(context.service, 'products'),
      apim.list(context.service, 'apis'),
    ]);
  } catch (error) {
    replace(slot, errorNotice(messageOf(error), 'subscription-create-error'));
    return;
  }
  const name = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'subscription-name',
  });
  const displayName = h('input', { type: 'text', autocomplete: 'off', testid: 'subscription-display-name' });
  const scope = h(
    'select',
    { testid: 'subscription-scope-choice' },
    h('option', { value: '/apis', text: 'All APIs' }),
    products.map((p) =>
      h('option', { value: `/products/${String(p.name)}`, text: `Product: ${String(p.name)}` }),
    ),
    apis.map((a) => h('option', { value: `/apis/${String(a.name)}`, text: `API: ${String(a.name)}` })),
  );
  const state = select(STATES, 'active', { testid: 'subscription-state-choice' });
  const messages = createMessageArea('subscription-create-message');
  const submit = button('Create', 'subscription-create', { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'panel', testid: 'subscription-create-form' },
    h('h2', { text: 'New subscription' }),
    h('div', { class: 'field-row' }, field('Name', name), field('Display name', displayName)),
    h(
      'div',
      { class: 'field-row' },
      field('Scope', scope),
      field('State', state, 'Only active subscriptions open the gateway.'),
    ),
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    const id = name.value.trim();
    await apim.create(context.service, ['subscriptions', id], {
      scope: scope.value,
      state: state.value,
      ...(displayName.value.trim() === '' ? {} : { displayName: displayName.value.trim() }),
    });
    form.reset();
    await context.refresh(`Created the subscription ${id}; choose Show keys to see its keys.`);
  });
  replace(slot, form);
}

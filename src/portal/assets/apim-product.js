// @ts-check
/**
 * The page of one product (`#/apim/<service>/products/<productId>`), below the products list: Publish or
 * Unpublish, "Requires subscription", Delete (with its subscriptions), its APIs with Remove, and "+ Add
 * API" — the step "select the product → + Add API" of linking a static web app.
 */
import { apim } from './apim-api.js';
import { confirmDialog } from './dialog.js';
import {
  button,
  checkbox,
  createMessageArea,
  errorNotice,
  field,
  h,
  loading,
  messageOf,
  replace,
} from './dom.js';
import { listTable } from './list-area.js';

/**
 * The page of one product: state with Publish/Unpublish, its APIs with Remove, "+ Add API", Delete.
 * @param {HTMLElement} slot
 * @param {string} service
 * @param {string} productId
 * @param {(notice?: string) => Promise<void>} refreshList
 * @param {string} [notice] what the last change did
 */
export async function renderProduct(slot, service, productId, refreshList, notice) {
  replace(slot, loading('Loading the product…'));
  let product;
  let apis;
  let all;
  try {
    [product, apis, all] = await Promise.all([
      apim.list(service, 'products').then((list) => list.find((p) => String(p.name) === productId)),
      apim.listProductApis(service, productId),
      apim.list(service, 'apis'),
    ]);
  } catch (error) {
    replace(slot, errorNotice(messageOf(error), 'product-error'));
    return;
  }
  if (product === undefined) {
    replace(slot, errorNotice(`The service has no product '${productId}'.`, 'product-error'));
    return;
  }
  const messages = createMessageArea('product-message');
  /** @param {string} change */
  const done = async (change) => {
    await refreshList();
    await renderProduct(slot, service, productId, refreshList, change);
  };
  const p = product.properties ?? {};
  const inProduct = new Set(apis.map((a) => String(a.name)));
  const titleId = `product-title-${productId}`;
  replace(
    slot,
    h(
      'section',
      { class: 'panel', testid: 'product-detail', 'aria-labelledby': titleId },
      h('h2', { id: titleId, text: `Product: ${String(p.displayName ?? productId)}` }),
      h(
        'div',
        { class: 'toolbar' },
        publishButton(service, productId, p, messages, done),
        subscriptionChoice(service, productId, p, messages, done),
        deleteProductButton(service, productId, messages),
      ),
      messages.element,
      h('h3', { text: 'APIs' }),
      productApisTable(service, productId, apis, messages, done),
      addApiForm(
        service,
        productId,
        all.filter((a) => !inProduct.has(String(a.name))),
        messages,
        done,
      ),
    ),
  );
  if (notice !== undefined) {
    messages.show(notice, 'success');
  }
}

/**
 * @param {string} service @param {string} productId @param {any} p
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice: string) => Promise<void>} done
 */
function publishButton(service, productId, p, messages, done) {
  const published = p.state === 'published';
  const toggle = button(published ? 'Unpublish' : 'Publish', 'product-publish', {
    variant: published ? undefined : 'primary',
  });
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      await apim.put(service, ['products', productId], {
        ...p,
        state: published ? 'notPublished' : 'published',
      });
      await done(published ? `Unpublished ${productId}.` : `Published ${productId}.`);
    } catch (error) {
      toggle.disabled = false;
      messages.show(messageOf(error));
    }
  });
  return toggle;
}

/**
 * "Requires subscription", saved when changed.
 * @param {string} service @param {string} productId @param {any} p
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice: string) => Promise<void>} done
 */
function subscriptionChoice(service, productId, p, messages, done) {
  const required = p.subscriptionRequired !== false;
  const choice = checkbox('Requires subscription', {
    checked: required,
    testid: 'product-requires-subscription',
  });
  choice.input.addEventListener('change', async () => {
    choice.input.disabled = true;
    try {
      await apim.put(service, ['products', productId], { ...p, subscriptionRequired: choice.input.checked });
      await done(
        choice.input.checked
          ? `${productId} requires a subscription.`
          : `${productId} no longer requires a subscription.`,
      );
    } catch (error) {
      choice.input.disabled = false;
      choice.input.checked = required;
      messages.show(messageOf(error));
    }
  });
  return choice.element;
}

/**
 * @param {string} service @param {string} productId
 * @param {ReturnType<typeof createMessageArea>} messages
 */
function deleteProductButton(service, productId, messages) {
  const remove = button('Delete', 'product-delete', { variant: 'danger' });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the product ${productId}?`,
      message: 'Its subscriptions are deleted with it; its APIs stay in the service.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.deleteProduct(service, productId);
      location.hash = `#/apim/${encodeURIComponent(service)}/products`;
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  return remove;
}

/**
 * @param {string} service @param {string} productId @param {any[]} apis
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice: string) => Promise<void>} done
 */
function productApisTable(service, productId, apis, messages, done) {
  return listTable('product-apis', apis, {
    caption: `APIs of ${productId}`,
    headers: ['API', 'URL suffix', ''],
    row: (api) => productApiRow(service, productId, api, messages, done),
    empty: 'No APIs in this product yet.',
    stack: true,
  });
}

/**
 * @param {string} service @param {string} productId @param {any} api
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice: string) => Promise<void>} done
 */
function productApiRow(service, productId, api, messages, done) {
  const id = String(api.name);
  const remove = button('Remove', `product-api-remove-${id}`, {
    small: true,
    variant: 'danger',
    'aria-label': `Remove ${id} from the product`,
  });
  remove.addEventListener('click', async () => {
    remove.disabled = true;
    try {
      await apim.removeProductApi(service, productId, id);
      await done(`Removed ${id} from ${productId}.`);
    } catch (error) {
      remove.disabled = false;
      messages.show(messageOf(error));
    }
  });
  return h(
    'tr',
    { testid: `product-api-row-${id}` },
    h('th', { scope: 'row', text: String(api.properties?.displayName ?? id) }),
    h('td', { class: 'mono', text: `/${String(api.properties?.path ?? '')}` }),
    h('td', { class: 'row-actions' }, remove),
  );
}

/**
 * "+ Add API": one of the service's APIs the product does not have yet.
 * @param {string} service @param {string} productId @param {any[]} candidates
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {(notice: string) => Promise<void>} done
 */
function addApiForm(service, productId, candidates, messages, done) {
  if (candidates.length === 0) {
    return h('p', {
      class: 'hint',
      text: 'Every API of the service is in this product (add APIs on the APIs tab).',
    });
  }
  const choice = h(
    'select',
    { testid: 'product-api-choice' },
    candidates.map((api) =>
      h('option', { value: String(api.name), text: String(api.properties?.displayName ?? api.name) }),
    ),
  );
  const add = button('+ Add API', 'product-api-add', { type: 'submit', variant: 'primary' });
  const form = h('form', { class: 'inline-form', testid: 'product-api-form' }, field('API', choice), add);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    add.disabled = true;
    try {
      await apim.addProductApi(service, productId, choice.value);
      await done(`Added ${choice.value} to ${productId}.`);
    } catch (error) {
      add.disabled = false;
      messages.show(messageOf(error));
    }
  });
  return form;
}

// @ts-check
/**
 * Products of a service, as in the Azure portal: the list (name, state, subscription required, APIs),
 * "+ Add" (display name, id, published, requires subscription), and below it the selected product's page
 * (`apim-product.js`), for the steps "Products → select the product → + Add API" of linking a static
 * web app.
 */
import { apim } from './apim-api.js';
import { renderProduct } from './apim-product.js';
import {
  button,
  checkbox,
  createMessageArea,
  field,
  h,
  handleSubmit,
  listPanel,
  replace,
  toggleButton,
} from './dom.js';
import { createListArea } from './list-area.js';

/** The display name linking gives the product it makes for a site (docs/apim.md). */
const LINKED_PRODUCT = /^Azure Static Web Apps - .* \(Linked\)$/;

/**
 * @param {HTMLElement} body
 * @param {import('./apim-service.js').ServiceView} view
 */
export async function renderProducts(body, view) {
  const service = String(view.service.name);
  const messages = createMessageArea('products-message');
  const products = createListArea({
    name: 'products',
    loadingText: 'Loading products…',
    load: () => loadProducts(service),
    messages,
    table: {
      caption: 'Products',
      headers: ['Product', 'State', 'Subscription', 'APIs'],
      row: (row) => productRow(service, row),
      empty: 'No products yet. Choose + Add.',
      stack: true,
    },
  });
  const detail = h('div', { testid: 'product-detail-slot' });
  const create = createProductForm(service, (notice) => void products.refresh(notice));
  replace(
    body,
    h('div', { class: 'toolbar' }, toggleButton('+ Add', 'product-create-open', create)),
    create,
    listPanel('products-title', 'Products', messages.element, products.element),
    detail,
  );
  await products.refresh();
  if (view.route.arg !== undefined) {
    await renderProduct(detail, service, view.route.arg, products.refresh);
  }
}

/**
 * The service's products, each with its APIs.
 * @param {string} service
 * @returns {Promise<{ product: any, apis: any[] }[]>}
 */
async function loadProducts(service) {
  const products = await apim.list(service, 'products');
  return Promise.all(
    products.map(async (product) => ({
      product,
      apis: await apim.listProductApis(service, String(product.name)),
    })),
  );
}

/**
 * @param {string} service
 * @param {{ product: any, apis: any[] }} row
 */
function productRow(service, { product, apis }) {
  const id = String(product.name);
  const p = product.properties ?? {};
  return h(
    'tr',
    { testid: `product-row-${id}` },
    h(
      'th',
      { scope: 'row' },
      h('a', {
        href: `#/apim/${encodeURIComponent(service)}/products/${encodeURIComponent(id)}`,
        testid: `product-link-${id}`,
        text: String(p.displayName ?? id),
      }),
      h('div', { class: 'hint mono', text: id }),
      LINKED_PRODUCT.test(String(p.displayName ?? ''))
        ? h('span', { class: 'badge badge-live', testid: 'product-linked', text: 'Static Web Apps' })
        : null,
    ),
    h('td', { testid: 'product-state', text: stateLabel(p.state) }),
    h('td', { text: p.subscriptionRequired === false ? 'Not required' : 'Required' }),
    h('td', { testid: 'product-apis', text: apis.map((a) => String(a.name)).join(', ') || '—' }),
  );
}

/** @param {unknown} state */
function stateLabel(state) {
  return state === 'published' ? 'Published' : 'Not published';
}

/**
 * The "+ Add" product form.
 * @param {string} service
 * @param {(notice: string) => void} onCreated
 */
function createProductForm(service, onCreated) {
  const displayName = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    testid: 'product-display-name',
  });
  const id = h('input', {
    type: 'text',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'product-id',
  });
  const published = checkbox('Published', { testid: 'product-published' });
  const subscription = checkbox('Requires subscription', { checked: true, testid: 'product-subscription' });
  const messages = createMessageArea('product-create-message');
  const submit = button('Create', 'product-create', { type: 'submit', variant: 'primary' });
  const form = h(
    'form',
    { class: 'panel', id: 'create-product', hidden: true, testid: 'product-create-form' },
    h('h2', { text: 'Add product' }),
    h(
      'div',
      { class: 'field-row' },
      field('Display name', displayName),
      field('Id', id, "Letters, digits, '-', '_' or '.'."),
    ),
    published.element,
    subscription.element,
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  handleSubmit(form, submit, messages, async () => {
    const productId = id.value.trim();
    await apim.create(service, ['products', productId], {
      displayName: displayName.value.trim(),
      state: published.input.checked ? 'published' : 'notPublished',
      subscriptionRequired: subscription.input.checked,
    });
    form.reset();
    onCreated(`Created the product ${productId}.`);
  });
  return form;
}

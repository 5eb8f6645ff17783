// @ts-check
/**
 * Policies at each scope (All APIs, a product, an API, an operation), as the Azure portal's code
 * editor: the XML document with line numbers, Save, Delete, and the service's refusals listed with
 * their lines (`details: [{ path: "line 4, column 5", message }]`); choosing one puts the cursor there.
 * The scope is the route's last segment: `global`, `product:<id>`, `api:<id>` or `operation:<api>:<op>`.
 */

import { apim } from './apim-api.js';
import { confirmDialog } from './dialog.js';
import { button, createMessageArea, errorNotice, field, h, loading, messageOf, replace } from './dom.js';
import { guardUnsaved, onPickerMove } from './unsaved.js';

/** What a scope without a policy starts from: every section inherits its parent's (`<base />`). */
const TEMPLATE = `<policies>
  <inbound>
    <base />
  </inbound>
  <backend>
    <base />
  </backend>
  <outbound>
    <base />
  </outbound>
  <on-error>
    <base />
  </on-error>
</policies>
`;

/**
 * Reads a scope from its route segment; anything unknown is the global scope.
 * @param {string | undefined} arg
 * @returns {import('./apim-api.js').PolicyScope}
 */
export function parseScope(arg) {
  const [kind, first, second] = (arg ?? 'global').split(':');
  if (kind === 'product' && first) {
    return { kind, productId: first };
  }
  if (kind === 'api' && first) {
    return { kind, apiId: first };
  }
  if (kind === 'operation' && first && second) {
    return { kind, apiId: first, operationId: second };
  }
  return { kind: 'global' };
}

/** @param {import('./apim-api.js').PolicyScope} scope */
function scopeKey(scope) {
  switch (scope.kind) {
    case 'product':
      return `product:${scope.productId}`;
    case 'api':
      return `api:${scope.apiId}`;
    case 'operation':
      return `operation:${scope.apiId}:${scope.operationId}`;
    default:
      return 'global';
  }
}

/**
 * @param {HTMLElement} body
 * @param {import('./apim-service.js').ServiceView} view
 */
export async function renderPolicies(body, view) {
  const service = String(view.service.name);
  const scope = parseScope(view.route.arg);
  if (view.route.arg !== undefined && scopeKey(scope) !== view.route.arg) {
    // An address the scope picker cannot make: never shown (and edited) as the global scope.
    replace(
      body,
      errorNotice(
        `The address names no policy scope ('${view.route.arg}'). Pick one under Policies.`,
        'policy-error',
      ),
    );
    return;
  }
  replace(body, loading('Loading the policy…'));
  let choices;
  let saved;
  try {
    [choices, saved] = await Promise.all([scopeChoices(service), apim.getPolicy(service, scope)]);
  } catch (error) {
    replace(body, errorNotice(messageOf(error), 'policy-error'));
    return;
  }
  const picker = h(
    'select',
    { testid: 'policy-scope' },
    choices.map((choice) =>
      h('option', { value: choice.value, text: choice.label, selected: choice.value === scopeKey(scope) }),
    ),
  );
  onPickerMove(picker, (value) => {
    location.hash = `#/apim/${encodeURIComponent(service)}/policies/${encodeURIComponent(value)}`;
  });
  replace(
    body,
    h('div', { class: 'toolbar' }, field('Scope', picker)),
    policyEditor(service, scope, saved, () => view.reload()),
  );
}

/**
 * Every scope of the service: global, then each product, each API and each of its operations.
 * @param {string} service
 */
async function scopeChoices(service) {
  const [products, apis] = await Promise.all([apim.list(service, 'products'), apim.list(service, 'apis')]);
  const operations = await Promise.all(apis.map((api) => apim.listOperations(service, String(api.name))));
  return [
    { value: 'global', label: 'All APIs (global)' },
    ...products.map((p) => ({ value: `product:${p.name}`, label: `Product: ${p.name}` })),
    ...apis.flatMap((api, index) => [
      { value: `api:${api.name}`, label: `API: ${api.name}` },
      ...(operations[index] ?? []).map((op) => ({
        value: `operation:${api.name}:${op.name}`,
        label: `Operation: ${api.name} › ${String(op.properties?.method ?? '')} ${String(op.properties?.urlTemplate ?? op.name)}`,
      })),
    ]),
  ];
}

/**
 * The editor of one scope's document.
 * @param {string} service
 * @param {import('./apim-api.js').PolicyScope} scope
 * @param {{ document: string, etag: string | undefined } | undefined} saved the document and its version,
 *   or undefined when the scope has none
 * @param {() => void} reload
 */
function policyEditor(service, scope, saved, reload) {
  const editor = createCodeEditor(saved?.document ?? TEMPLATE);
  let stored = saved?.document ?? TEMPLATE;
  // The version this page read (none: the scope had no policy): a save or delete goes ahead only while
  // the policy is still that version.
  let version = saved?.etag;
  guardUnsaved(() =>
    editor.textarea.value !== stored ? 'The policy document has unsaved changes.' : undefined,
  );
  const messages = createMessageArea('policy-message');
  const problems = h('ol', { class: 'problems policy-problems', testid: 'policy-problems', hidden: true });
  const save = button('Save', 'policy-save', { variant: 'primary' });
  const remove = button('Delete policy', 'policy-delete', {
    variant: 'danger',
    disabled: saved === undefined,
  });
  const showProblems = (/** @type {{ path: string, message: string }[]} */ details) => {
    problems.hidden = details.length === 0;
    replace(
      problems,
      details.map((detail) => problemItem(detail, editor)),
    );
    editor.markLines(details.map((detail) => lineOf(detail.path)).filter((line) => line > 0));
  };
  save.addEventListener('click', async () => {
    save.disabled = true;
    messages.clear();
    showProblems([]);
    try {
      version = await apim.setPolicy(service, scope, editor.textarea.value, version);
      stored = editor.textarea.value;
      messages.show('Saved. The gateway applies the policy from the next call on.', 'success');
      remove.disabled = false;
    } catch (error) {
      messages.show(messageOf(error));
      showProblems(/** @type {any} */ (error)?.details ?? []);
    } finally {
      save.disabled = false;
    }
  });
  remove.addEventListener('click', async () => {
    const confirmed = await confirmDialog({
      title: `Delete the policy of ${scopeLabel(scope)}?`,
      message: 'The scope then only inherits the policies of the scopes above it.',
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) {
      return;
    }
    try {
      await apim.deletePolicy(service, scope, version);
      reload();
    } catch (error) {
      messages.show(messageOf(error));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'policy-title' },
    h('h2', { id: 'policy-title', text: `Policy document of ${scopeLabel(scope)}` }),
    saved === undefined
      ? h('p', {
          class: 'hint',
          testid: 'policy-none',
          text: 'This scope has no policy yet; the template below inherits everything.',
        })
      : null,
    editor.element,
    messages.element,
    problems,
    h('div', { class: 'actions' }, save, remove),
  );
}

/**
 * What a scope is called in titles and questions: "all APIs (global)", "the API orders", ….
 * @param {import('./apim-api.js').PolicyScope} scope
 */
function scopeLabel(scope) {
  switch (scope.kind) {
    case 'product':
      return `the product ${scope.productId}`;
    case 'api':
      return `the API ${scope.apiId}`;
    case 'operation':
      return `the operation ${scope.operationId} of the API ${scope.apiId}`;
    default:
      return 'all APIs (global)';
  }
}

/** `line 4, column 5` → 4 (0 when the path names no line). @param {string} path */
function lineOf(path) {
  const match = /line (\d+)/i.exec(path);
  return match === null ? 0 : Number(match[1]);
}

/**
 * One refusal: its place (a button that moves the cursor there) and message.
 * @param {{ path: string, message: string }} detail
 * @param {ReturnType<typeof createCodeEditor>} editor
 */
function problemItem(detail, editor) {
  const line = lineOf(detail.path);
  return h(
    'li',
    { testid: 'policy-problem' },
    line > 0
      ? button(detail.path, `policy-problem-line-${line}`, {
          small: true,
          on: { click: () => editor.goToLine(line) },
        })
      : h('span', { class: 'mono', text: detail.path }),
    ' ',
    h('span', { text: detail.message }),
  );
}

/**
 * A textarea with a line-number gutter that follows its scrolling; lines can be marked as wrong.
 * @param {string} text
 */
export function createCodeEditor(text) {
  const gutter = h('div', { class: 'code-gutter', 'aria-hidden': 'true', testid: 'policy-gutter' });
  const textarea = h('textarea', {
    class: 'code-text',
    spellcheck: 'false',
    wrap: 'off',
    rows: 18,
    'aria-label': 'Policy XML',
    testid: 'policy-xml',
  });
  textarea.value = text;
  /** @type {Set<number>} */
  let marked = new Set();
  const renumber = () => {
    const lines = textarea.value.split('\n').length;
    replace(
      gutter,
      Array.from({ length: lines }, (_, index) =>
        h('div', { class: marked.has(index + 1) ? 'line-error' : undefined, text: String(index + 1) }),
      ),
    );
    gutter.scrollTop = textarea.scrollTop;
  };
  textarea.addEventListener('input', renumber);
  textarea.addEventListener('scroll', () => {
    gutter.scrollTop = textarea.scrollTop;
  });
  renumber();
  return {
    element: h('div', { class: 'code-editor' }, gutter, textarea),
    textarea,
    /** @param {number[]} lines */
    markLines(lines) {
      marked = new Set(lines);
      renumber();
    },
    /** Puts the cursor at the start of a line (1-based) and focuses the editor. @param {number} line */
    goToLine(line) {
      const starts = textarea.value.split('\n').slice(0, line - 1);
      const offset = starts.reduce((sum, part) => sum + part.length + 1, 0);
      textarea.focus();
      textarea.setSelectionRange(offset, offset);
    },
  };
}

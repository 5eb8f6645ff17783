// @ts-check
/**
 * The sign-in screen: asks for the admin token and checks it by listing the sites, so a wrong token
 * shows the API's own message. The token is kept in this tab's `sessionStorage` only.
 */
import { api, saveToken } from './api.js';
import { button, createMessageArea, field, h, messageOf, replace } from './dom.js';

/**
 * @param {HTMLElement} main
 * @param {{ onSignedIn: () => void, notice?: { text: string, kind: 'error' | 'success' } }} options
 */
export function renderSignIn(main, options) {
  const token = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    testid: 'token-input',
  });
  const submit = button('Sign in', 'sign-in', { type: 'submit', variant: 'primary' });
  const messages = createMessageArea('sign-in-message');
  if (options.notice !== undefined) {
    messages.show(options.notice.text, options.notice.kind);
  }
  const form = h(
    'form',
    { class: 'panel sign-in', testid: 'sign-in-form', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', text: 'Sign in to Portico' }),
    h('p', { text: 'The portal manages the static web apps of this Portico server.' }),
    field(
      'Admin token',
      token,
      'PORTICO_ADMIN_TOKEN, or the file <data>/admin-token printed by portico serve.',
    ),
    messages.element,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn(token.value.trim(), submit, messages, options.onSignedIn);
  });
  replace(main, form);
  token.focus();
}

/**
 * @param {string} token
 * @param {HTMLButtonElement} submit
 * @param {ReturnType<typeof createMessageArea>} messages
 * @param {() => void} onSignedIn
 */
async function signIn(token, submit, messages, onSignedIn) {
  if (token === '') {
    messages.show('Enter the admin token.');
    return;
  }
  submit.disabled = true;
  submit.textContent = 'Checking…';
  try {
    await api.listSites(token);
    saveToken(token);
    onSignedIn();
  } catch (error) {
    messages.show(messageOf(error));
    submit.disabled = false;
    submit.textContent = 'Sign in';
  }
}

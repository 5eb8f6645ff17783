// @ts-check
/**
 * Confirmation dialogs on the native `<dialog>` element (focus is trapped and Escape cancels). For
 * destructive actions on a whole site, `typeToConfirm` asks for the name to be typed, as Azure does.
 */
import { button, field, h, uid } from './dom.js';

/**
 * @typedef {{
 *   title: string,
 *   message: string,
 *   confirmLabel: string,
 *   danger?: boolean,
 *   typeToConfirm?: string,
 * }} ConfirmOptions
 */

/**
 * Shows a modal confirmation; resolves true when confirmed, false when cancelled.
 * @param {ConfirmOptions} options
 * @returns {Promise<boolean>}
 */
export function confirmDialog(options) {
  return new Promise((resolve) => {
    const typed = h('input', {
      type: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      testid: 'confirm-input',
    });
    const confirm = button(options.confirmLabel, 'confirm-ok', {
      type: 'submit',
      variant: options.danger ? 'danger' : 'primary',
      disabled: options.typeToConfirm !== undefined,
    });
    const cancel = button('Cancel', 'confirm-cancel');
    const titleId = uid('dialog-title');
    const form = h(
      'form',
      {},
      h('h2', { id: titleId, text: options.title }),
      h('p', { text: options.message }),
      options.typeToConfirm === undefined
        ? null
        : field(`Type the name "${options.typeToConfirm}" to confirm`, typed),
      h('div', { class: 'actions' }, confirm, cancel),
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId, testid: 'confirm-dialog' },
      form,
    );
    let confirmed = false;
    typed.addEventListener('input', () => {
      confirm.disabled = typed.value.trim() !== options.typeToConfirm;
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!confirm.disabled) {
        confirmed = true;
        dialog.close();
      }
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(confirmed);
    });
    document.body.append(dialog);
    dialog.showModal();
    (options.typeToConfirm === undefined ? cancel : typed).focus();
  });
}

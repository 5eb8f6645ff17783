// @ts-check
/**
 * Unsaved edits are not thrown away without asking, as in the Azure portal: a view with edits of its own
 * (application settings, a policy document) registers what leaving would lose; moving to another page of
 * the portal (a link, the environment or scope picker, Back) then asks first, and so does closing the tab.
 * One guard at a time: the page on show.
 */
import { onChosen } from './dom.js';

/** @type {(() => string | undefined) | undefined} */
let guard;

/**
 * Sets what the page on show would lose: `describe` answers a sentence while there are unsaved edits,
 * undefined otherwise.
 * @param {() => string | undefined} describe
 */
export function guardUnsaved(describe) {
  guard = describe;
}

/** Forgets the guard (a new page is shown). */
export function clearUnsavedGuard() {
  guard = undefined;
}

/** True when nothing would be lost, or the user agrees to lose it. */
export function confirmLeave() {
  const lost = guard?.();
  return lost === undefined || window.confirm(`${lost} Leave this page and lose them?`);
}

/** What the browser is told when the tab is closed or reloaded with unsaved edits. */
export function hasUnsaved() {
  return guard?.() !== undefined;
}

/**
 * A picker that moves to another page (the environment or policy scope chooser): it asks before losing
 * edits, and when the user keeps them it shows the page on show again, so that what it names is always
 * what Save and Delete act on.
 * @param {HTMLSelectElement} picker
 * @param {(value: string) => void} go moves to the page of a value
 */
export function onPickerMove(picker, go) {
  const shown = picker.value;
  onChosen(picker, () => {
    if (picker.value === shown) {
      return;
    }
    if (!confirmLeave()) {
      picker.value = shown;
      return;
    }
    clearUnsavedGuard();
    go(picker.value);
  });
}

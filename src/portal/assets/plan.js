// @ts-check
/** The hosting-plan choice (Free or Standard) used by Create and by Overview › Hosting plan. */
import { h, uid } from './dom.js';

/** The plans with the one-line summary Azure's plan picker shows. */
const PLANS = [
  { name: 'Free', summary: 'For hobby or personal projects.' },
  { name: 'Standard', summary: 'For production apps: more environments, custom auth, bigger limits.' },
];

/**
 * A fieldset of radio buttons; each radio has data-testid `<prefix>-free` / `<prefix>-standard`.
 * @param {string} prefix
 * @param {string} selected
 */
export function planChoice(prefix, selected) {
  const group = uid('plan');
  return h(
    'fieldset',
    { class: 'plan-choice', testid: prefix },
    h('legend', { text: 'Plan' }),
    PLANS.map((plan) => {
      const id = uid('plan');
      return h(
        'div',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          name: group,
          id,
          value: plan.name,
          checked: plan.name === selected,
          testid: `${prefix}-${plan.name.toLowerCase()}`,
        }),
        h(
          'label',
          { for: id },
          h('strong', { text: plan.name }),
          ' ',
          h('span', { class: 'hint', text: plan.summary }),
        ),
      );
    }),
  );
}

/**
 * The plan chosen in a {@link planChoice}.
 * @param {HTMLElement} fieldset
 */
export function readPlan(fieldset) {
  const checked = /** @type {HTMLInputElement | null} */ (fieldset.querySelector('input:checked'));
  return checked?.value ?? 'Free';
}

/**
 * Checks the radio of `plan` in a {@link planChoice} (the plan a site is on, after a refused change).
 * @param {HTMLElement} fieldset @param {string} plan
 */
export function selectPlan(fieldset, plan) {
  for (const radio of fieldset.querySelectorAll('input[type="radio"]')) {
    /** @type {HTMLInputElement} */ (radio).checked = /** @type {HTMLInputElement} */ (radio).value === plan;
  }
}

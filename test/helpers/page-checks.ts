/**
 * Checks of what a portal page shows, run inside the page (browser code kept as text: the tests compile
 * without DOM types): horizontal overflow, form controls without an accessible name, buttons and links
 * whose name leaves out their visible text (WCAG 2.5.3: a voice user says what they see), text below the
 * WCAG 2.1 AA contrast ratio (4.5:1, or 3:1 for large text), and the page's landmarks.
 */
import type { Page } from 'playwright-core';

/** What {@link checkPage} found; every list is empty on a good page. */
export interface PageReport {
  /** `scrollWidth > innerWidth`, with the widest elements that stick out. */
  overflow: string[];
  /** Visible inputs, selects, textareas and buttons nobody could name. */
  unnamed: string[];
  /** Buttons and links whose `aria-label` does not hold their visible text: `text → label`. */
  mislabelled: string[];
  /** Visible text below its contrast threshold: `text (ratio)`. */
  lowContrast: string[];
  /** Landmark roles shown: banner, main, navigation. */
  landmarks: string[];
}

const CHECK_PAGE = `(() => {
  const describe = (el) => {
    const id = el.getAttribute('data-testid');
    return el.tagName.toLowerCase() + (id ? '[data-testid=' + id + ']' : '') + (el.id ? '#' + el.id : '');
  };
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const width = window.innerWidth;
  const overflow = [];
  if (document.documentElement.scrollWidth > width) {
    overflow.push('page is ' + document.documentElement.scrollWidth + 'px wide in a ' + width + 'px window');
    for (const el of document.querySelectorAll('body *')) {
      const rect = el.getBoundingClientRect();
      if (rect.right > width + 1 && shown(el)) {
        overflow.push(describe(el) + ' ends at ' + Math.round(rect.right) + 'px');
      }
      if (overflow.length > 8) break;
    }
  }
  const nameOf = (el) => {
    const labelled = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
    const labels = el.labels ? Array.from(el.labels).map((l) => l.textContent).join(' ') : '';
    const own = el.tagName === 'BUTTON' ? el.textContent : '';
    return [el.getAttribute('aria-label'), labelled, labels, own, el.title].join(' ').trim();
  };
  const unnamed = [];
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type !== 'hidden' && shown(el) && nameOf(el) === '') unnamed.push(describe(el));
  }
  const mislabelled = [];
  for (const el of document.querySelectorAll('button[aria-label], a[aria-label]')) {
    const seen = (el.textContent || '').replace(/\\s+/g, ' ').trim().toLowerCase();
    const label = (el.getAttribute('aria-label') || '').toLowerCase();
    if (shown(el) && seen !== '' && !label.includes(seen)) mislabelled.push(seen + ' → ' + label);
  }
  const parse = (value) => {
    const m = value.match(/rgba?\\(([\\d.]+)[, ]+([\\d.]+)[, ]+([\\d.]+)(?:[,/ ]+([\\d.]+%?))?\\)/);
    if (!m) return [0, 0, 0, 0];
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), a];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) layers.push(parse(getComputedStyle(node).backgroundColor));
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const lowContrast = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (own === '' || !shown(el) || el.closest(':disabled, [aria-disabled="true"], .visually-hidden, dialog:not([open])')) continue;
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) lowContrast.push(own.slice(0, 40) + ' (' + ratio.toFixed(2) + ')');
  }
  const landmarks = [];
  const present = (selector) => [...document.querySelectorAll(selector)].some(shown);
  if (present('header, [role=banner]')) landmarks.push('banner');
  if (present('main, [role=main]')) landmarks.push('main');
  if (present('nav, [role=navigation]')) landmarks.push('navigation');
  return { overflow, unnamed, mislabelled, lowContrast, landmarks };
})()`;

/** Runs the checks in the page as it is now. */
export async function checkPage(page: Page): Promise<PageReport> {
  return (await page.evaluate(CHECK_PAGE)) as PageReport;
}

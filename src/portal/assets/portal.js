// @ts-check
/**
 * Entry of the Portico portal: a small single-page admin UI over the management REST API. Navigation is
 * hash-based (`#/`, `#/sites/<name>/<tab>[/<environment>]`), so a reload keeps the place; without an
 * admin token in this tab's session, every route shows the sign-in screen first.
 */

import { forgetToken, readToken, setUnauthorizedListener } from './api.js';
import { renderServices } from './apim.js';
import { renderService, SERVICE_TABS } from './apim-service.js';
import { renderBackends } from './backends.js';
import { renderSignIn } from './sign-in.js';
import { renderSite, SITE_TABS } from './site.js';
import { renderSites } from './sites.js';
import { clearUnsavedGuard, confirmLeave, hasUnsaved } from './unsaved.js';

/**
 * @typedef {{ view: 'sites' } | { view: 'site', name: string, tab: string, arg: string | undefined }
 *   | { view: 'services' } | { view: 'service', name: string, tab: string, arg: string | undefined }
 *   | { view: 'backends' }} Route
 * @typedef {{
 *   navigate(hash: string): void,
 *   flash(message: string): void,
 *   takeFlash(): string | undefined,
 *   setTitle(...parts: string[]): void,
 * }} App
 */

/**
 * Reads a route from a location hash.
 * @param {string} hash
 * @returns {Route}
 */
export function parseRoute(hash) {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '')
    .map(decodeSegment);
  const [first, name, tab, arg] = parts;
  if (first === 'sites' && name !== undefined && name !== '') {
    return { view: 'site', name, tab: tab !== undefined && SITE_TABS.includes(tab) ? tab : 'overview', arg };
  }
  if (first === 'apim') {
    return name === undefined || name === ''
      ? { view: 'services' }
      : {
          view: 'service',
          name,
          tab: tab !== undefined && SERVICE_TABS.includes(tab) ? tab : 'overview',
          arg,
        };
  }
  if (first === 'backends') {
    return { view: 'backends' };
  }
  return { view: 'sites' };
}

/** @param {string} segment */
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function startPortal() {
  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  const signOut = /** @type {HTMLButtonElement} */ (document.querySelector('[data-testid="sign-out"]'));
  const sectionNav = /** @type {HTMLElement} */ (document.querySelector('[data-testid="section-nav"]'));
  /** @type {string | undefined} */
  let flash;
  /** @type {App} */
  const app = {
    navigate(hash) {
      if (location.hash === hash) {
        render();
      } else {
        location.hash = hash;
      }
    },
    flash(message) {
      flash = message;
    },
    takeFlash() {
      const message = flash;
      flash = undefined;
      return message;
    },
    setTitle(...parts) {
      document.title = [...parts, 'Portico'].join(' – ');
    },
  };

  /** @param {{ text: string, kind: 'error' | 'success' }} [notice] why the sign-in screen is shown */
  const render = (notice) => {
    clearUnsavedGuard();
    const token = readToken();
    signOut.hidden = token === null;
    sectionNav.hidden = token === null;
    if (token === null) {
      app.setTitle('Sign in');
      // The sign-in form goes away with the focus in it: the page it opens takes it (never <body>).
      renderSignIn(main, {
        notice,
        onSignedIn: () => {
          render();
          main.focus();
        },
      });
      return;
    }
    const route = parseRoute(location.hash);
    markSection(route);
    if (route.view === 'site') {
      void renderSite(main, route, app);
    } else if (route.view === 'services') {
      void renderServices(main, app);
    } else if (route.view === 'service') {
      void renderService(main, route, app);
    } else if (route.view === 'backends') {
      void renderBackends(main, app);
    } else {
      void renderSites(main, app);
    }
  };

  signOut.addEventListener('click', () => {
    forgetToken();
    history.replaceState(null, '', '#/');
    render({ text: 'You are signed out; the token is forgotten in this tab.', kind: 'success' });
  });
  setUnauthorizedListener((error) => {
    forgetToken();
    render({ text: `The admin token no longer works: ${error.message}`, kind: 'error' });
  });
  // The page shown, to go back to when its unsaved edits are kept.
  let shown = location.hash;
  window.addEventListener('hashchange', () => {
    if (!confirmLeave()) {
      history.replaceState(null, '', shown || '#/');
      return;
    }
    shown = location.hash;
    render();
    main.focus({ preventScroll: true });
  });
  window.addEventListener('beforeunload', (event) => {
    if (hasUnsaved()) {
      event.preventDefault();
    }
  });
  render();
}

/**
 * Marks the top bar's link of the section a route is in (`aria-current`).
 * @param {Route} route
 */
function markSection(route) {
  const section = route.view.startsWith('service')
    ? 'apim'
    : route.view === 'backends'
      ? 'backends'
      : 'sites';
  for (const link of document.querySelectorAll('[data-section]')) {
    if (link.getAttribute('data-section') === section) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
}

startPortal();

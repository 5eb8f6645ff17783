// @ts-check
/**
 * Entry of the Portico portal: a small single-page admin UI over the management REST API. Navigation is
 * hash-based (`#/`, `#/sites/<name>/<tab>[/<environment>]`), so a reload keeps the place; without an
 * admin token in this tab's session, every route shows the sign-in screen first.
 */
import { forgetToken, readToken, setUnauthorizedListener } from './api.js';
import { renderGatewayTrafficPage } from './gateway-traffic.js';
import { renderSignIn } from './sign-in.js';
import { renderSite, SITE_TABS } from './site.js';
import { renderSites } from './sites.js';

/**
 * @typedef {{ view: 'sites' }
 *   | { view: 'site', name: string, tab: string, arg: string | undefined }
 *   | { view: 'gateway-traffic', name: string }} Route
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
  if (first === 'apim' && name !== undefined && name !== '' && tab === 'traffic') {
    return { view: 'gateway-traffic', name };
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
    const token = readToken();
    signOut.hidden = token === null;
    if (token === null) {
      app.setTitle('Sign in');
      renderSignIn(main, { notice, onSignedIn: () => render() });
      return;
    }
    const route = parseRoute(location.hash);
    if (route.view === 'site') {
      void renderSite(main, route, app);
    } else if (route.view === 'gateway-traffic') {
      void renderGatewayTrafficPage(main, route.name, app);
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
  window.addEventListener('hashchange', () => {
    render();
    main.focus({ preventScroll: true });
  });
  render();
}

startPortal();

/** Public surface of the web portal served on the admin listener (docs/portal.md). */
export { createPortalHandler, PORTAL_SECURITY_HEADERS, type PortalHandlerOptions } from './handler.js';

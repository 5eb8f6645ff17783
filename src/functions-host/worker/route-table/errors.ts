/** Errors of the route-template parser. */

/** Thrown inside the template parser only; turned into an error string per function. */
export class RouteTemplateError extends Error {}

import { describe, expect, it } from 'vitest';
import type { RouteRule } from '../../config/types.js';
import { compileRoutes, isApiPath, matchRoute } from './routes.js';

const rules: RouteRule[] = [
  { index: 0, route: '/items', methods: ['GET'], headers: { a: 'get' } },
  { index: 1, route: '/items', methods: ['POST'], headers: { a: 'post' } },
  { index: 2, route: '/admin/*', allowedRoles: ['admin'] },
  { index: 3, route: '/profile/index.html', allowedRoles: ['authenticated'] },
  { index: 4, route: '/api/x/*', allowedRoles: ['x'] },
];
const routes = compileRoutes(rules);

describe('matchRoute', () => {
  it('takes the first rule whose route and methods match (D7)', () => {
    expect(matchRoute(routes, { path: '/items', method: 'GET' })?.rule.index).toBe(0);
    expect(matchRoute(routes, { path: '/items', method: 'POST' })?.rule.index).toBe(1);
    expect(matchRoute(routes, { path: '/items', method: 'PUT' })).toBeUndefined();
  });

  it('tries the folder index path for static folders (D1)', () => {
    expect(matchRoute(routes, { path: '/admin', method: 'GET' })).toBeUndefined();
    expect(
      matchRoute(routes, { path: '/admin', method: 'GET', indexPath: '/admin/index.html' })?.rule.index,
    ).toBe(2);
    expect(
      matchRoute(routes, { path: '/profile/', method: 'GET', indexPath: '/profile/index.html' })?.rule.index,
    ).toBe(3);
  });

  it('keeps the literal rule on /api paths', () => {
    expect(matchRoute(routes, { path: '/api/x', method: 'GET' })).toBeUndefined();
    expect(matchRoute(routes, { path: '/api/x/1', method: 'GET' })?.rule.index).toBe(4);
  });

  it('returns a frozen compiled list', () => {
    expect(Object.isFrozen(routes)).toBe(true);
    expect(Object.isFrozen(routes[0])).toBe(true);
  });
});

describe('isApiPath', () => {
  it('treats /api/ (any case) as API and plain /api as static', () => {
    expect(isApiPath('/api/x')).toBe(true);
    expect(isApiPath('/API/Hello')).toBe(true);
    expect(isApiPath('/api')).toBe(false);
    expect(isApiPath('/api/')).toBe(false);
    expect(isApiPath('/apix/y')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createRouteTable, type FunctionRouteInput } from './routes.js';

const API = { routePrefix: 'api' };

function tableOf(functions: readonly FunctionRouteInput[], routePrefix = 'api') {
  return createRouteTable(functions, { routePrefix });
}

/** Builds a one-function table and asserts it compiled. */
function single(route: string, methods?: readonly string[]) {
  const result = tableOf([{ name: 'Fn', route, ...(methods ? { methods } : {}) }]);
  expect(result.errors).toEqual([]);
  return result.table;
}

function errorsOf(route: string, routePrefix = 'api'): string[] {
  return tableOf([{ name: 'Fn', route }], routePrefix).errors;
}

describe('spec example: products/{category:alpha}/{id:int?}', () => {
  const table = single('products/{category:alpha}/{id:int?}');

  it('matches without the optional id, leaving it out of params', () => {
    expect(table.match('GET', '/api/products/electronics')).toEqual({
      functionName: 'Fn',
      params: { category: 'electronics' },
    });
  });

  it('matches with the id', () => {
    expect(table.match('GET', '/api/products/electronics/357')?.params).toEqual({
      category: 'electronics',
      id: '357',
    });
  });

  it('rejects values that fail the constraints', () => {
    expect(table.match('GET', '/api/products/123')).toBeUndefined();
    expect(table.match('GET', '/api/products/electronics/abc')).toBeUndefined();
    expect(table.match('GET', '/api/products/electronics/357/extra')).toBeUndefined();
    expect(table.match('GET', '/api/products')).toBeUndefined();
  });
});

describe('templates', () => {
  it('defaults the route to the function name (undefined or empty)', () => {
    const { table, errors } = tableOf([{ name: 'HttpTrigger1' }, { name: 'Other', route: '' }]);
    expect(errors).toEqual([]);
    expect(table.match('POST', '/api/HttpTrigger1')?.functionName).toBe('HttpTrigger1');
    expect(table.match('POST', '/api/httptrigger1')?.functionName).toBe('HttpTrigger1');
    expect(table.match('POST', '/api/other')?.functionName).toBe('Other');
  });

  it('hangs routes off the root with an empty prefix', () => {
    const { table, errors } = tableOf(
      [
        { name: 'Hello', route: 'hello' },
        { name: 'Slash', route: '/slash' },
      ],
      '',
    );
    expect(errors).toEqual([]);
    expect(table.match('GET', '/hello')?.functionName).toBe('Hello');
    expect(table.match('GET', '/slash')?.functionName).toBe('Slash');
    expect(table.match('GET', '/api/hello')).toBeUndefined();
  });

  it('uses a custom prefix', () => {
    const { table } = tableOf([{ name: 'Hello', route: 'hello' }], 'v1');
    expect(table.match('GET', '/v1/hello')?.functionName).toBe('Hello');
    expect(table.match('GET', '/api/hello')).toBeUndefined();
  });

  it('compares literals case-insensitively and keeps the case of values', () => {
    const table = single('Users/{Name}');
    expect(table.match('GET', '/API/users/JohnDoe')?.params).toEqual({ Name: 'JohnDoe' });
  });

  it('accepts doubled braces as literal braces', () => {
    const table = single('a{{b}}/{id}');
    expect(table.match('GET', '/api/a%7Bb%7D/1')?.params).toEqual({ id: '1' });
    expect(table.match('GET', '/api/a{b}/1')?.params).toEqual({ id: '1' });
  });

  it('supports defaults', () => {
    const table = single('items/{page=1}');
    expect(table.match('GET', '/api/items')?.params).toEqual({ page: '1' });
    expect(table.match('GET', '/api/items/3')?.params).toEqual({ page: '3' });
  });

  it('checks a default value against its constraints', () => {
    const table = single('items/{page:int=first}');
    expect(table.match('GET', '/api/items')).toBeUndefined();
    expect(table.match('GET', '/api/items/2')?.params).toEqual({ page: '2' });
  });

  it('only lets trailing optional segments be left out', () => {
    const table = single('x/{a?}/b');
    expect(table.match('GET', '/api/x/b')).toBeUndefined();
    expect(table.match('GET', '/api/x/1/b')?.params).toEqual({ a: '1' });
  });

  it('allows a trailing slash in the template', () => {
    expect(single('items/').match('GET', '/api/items')?.functionName).toBe('Fn');
  });

  it('matches the root template when prefix and route are empty slashes', () => {
    const { table, errors } = tableOf([{ name: 'Root', route: '/' }], '');
    expect(errors).toEqual([]);
    expect(table.match('GET', '/')?.functionName).toBe('Root');
    expect(table.match('GET', '/x')).toBeUndefined();
  });
});

describe('catch-all parameters', () => {
  it.each(['files/{*path}', 'files/{**path}'])('%s captures the rest of the path', (route) => {
    const table = single(route);
    expect(table.match('GET', '/api/files/a/b/c.txt')?.params).toEqual({ path: 'a/b/c.txt' });
    expect(table.match('GET', '/api/files/one')?.params).toEqual({ path: 'one' });
    expect(table.match('GET', '/api/files')?.params).toEqual({});
    expect(table.match('GET', '/api/filesX')).toBeUndefined();
  });

  it('keeps empty inner segments and a trailing slash, as ASP.NET does', () => {
    const table = single('files/{*path}');
    expect(table.match('GET', '/api/files/a//b')?.params).toEqual({ path: 'a//b' });
    expect(table.match('GET', '/api/files/a/b/')?.params).toEqual({ path: 'a/b/' });
  });

  it('uses the default when empty and applies constraints', () => {
    expect(single('files/{*path=index.html}').match('GET', '/api/files')?.params).toEqual({
      path: 'index.html',
    });
    const constrained = single('n/{*rest:int}');
    expect(constrained.match('GET', '/api/n/5')?.params).toEqual({ rest: '5' });
    expect(constrained.match('GET', '/api/n/5/6')).toBeUndefined();
    expect(constrained.match('GET', '/api/n')).toBeUndefined();
  });
});

describe('complex segments', () => {
  it('splits on the last occurrence of each literal, right to left', () => {
    const table = single('files/{name}.{ext}');
    expect(table.match('GET', '/api/files/report.final.pdf')?.params).toEqual({
      name: 'report.final',
      ext: 'pdf',
    });
    expect(table.match('GET', '/api/files/report')).toBeUndefined();
    expect(table.match('GET', '/api/files/.pdf')).toBeUndefined();
  });

  it('lets an optional last parameter after a period be left out', () => {
    const table = single('files/{name}.{ext?}');
    expect(table.match('GET', '/api/files/readme')?.params).toEqual({ name: 'readme' });
    expect(table.match('GET', '/api/files/a.b')?.params).toEqual({ name: 'a', ext: 'b' });
    expect(table.match('GET', '/api/files/a.')).toBeUndefined();
  });

  it('matches literal prefixes case-insensitively', () => {
    const table = single('v{version:int}/ping');
    expect(table.match('GET', '/api/V2/ping')?.params).toEqual({ version: '2' });
    expect(table.match('GET', '/api/x2/ping')).toBeUndefined();
  });
});

describe('request paths', () => {
  const table = single('users/{name}');

  it('percent-decodes values and literals', () => {
    expect(table.match('GET', '/api/users/J%C3%B6rg%20M')?.params).toEqual({ name: 'Jörg M' });
    expect(table.match('GET', '/api/us%65rs/x')?.params).toEqual({ name: 'x' });
  });

  it('keeps an encoded slash encoded, inside one segment', () => {
    expect(table.match('GET', '/api/users/a%2Fb')?.params).toEqual({ name: 'a%2Fb' });
    expect(table.match('GET', '/api/users/a%2fb%20c')?.params).toEqual({ name: 'a%2fb c' });
  });

  it('leaves malformed escapes as they are', () => {
    expect(table.match('GET', '/api/users/100%zz')?.params).toEqual({ name: '100%zz' });
    expect(table.match('GET', '/api/users/%E0%A4%A')?.params).toEqual({ name: '%E0%A4%A' });
  });

  it('ignores one trailing slash', () => {
    expect(table.match('GET', '/api/users/bob/')?.params).toEqual({ name: 'bob' });
    expect(single('items').match('GET', '/api/items/')?.functionName).toBe('Fn');
  });

  it('does not match empty segments or unknown paths', () => {
    expect(table.match('GET', '/api//users/bob')).toBeUndefined();
    expect(table.match('GET', '/api/users//')).toBeUndefined();
    expect(table.match('GET', '/api/users')).toBeUndefined();
    expect(table.match('GET', '/api/nope/bob')).toBeUndefined();
    expect(table.match('GET', '/')).toBeUndefined();
  });
});

describe('methods', () => {
  it('compares methods case-insensitively and exactly', () => {
    const table = single('items', ['get', 'Post']);
    expect(table.match('GET', '/api/items')?.functionName).toBe('Fn');
    expect(table.match('post', '/api/items')?.functionName).toBe('Fn');
    expect(table.match('HEAD', '/api/items')).toBeUndefined();
    expect(table.match('OPTIONS', '/api/items')).toBeUndefined();
    expect(table.match('DELETE', '/api/items')).toBeUndefined();
  });

  it('treats undefined or empty methods as every method', () => {
    expect(single('a').match('PATCH', '/api/a')?.functionName).toBe('Fn');
    expect(single('a', []).match('PROPFIND', '/api/a')?.functionName).toBe('Fn');
  });

  it('falls through to a later function that accepts the method', () => {
    const { table, warnings } = tableOf([
      { name: 'Read', route: 'items', methods: ['GET'] },
      { name: 'Write', route: 'items/', methods: ['POST'] },
    ]);
    expect(table.match('GET', '/api/items')?.functionName).toBe('Read');
    expect(table.match('POST', '/api/items')?.functionName).toBe('Write');
    expect(warnings).toEqual([]);
  });
});

describe('precedence', () => {
  it('sorts by function name, not by specificity (Details beats List)', () => {
    const { table, warnings, errors } = tableOf([
      { name: 'List', route: 'items/list' },
      { name: 'Details', route: 'items/{id}' },
    ]);
    expect(errors).toEqual([]);
    expect(table.match('GET', '/api/items/list')).toEqual({
      functionName: 'Details',
      params: { id: 'list' },
    });
    expect(table.match('GET', '/api/items/7')?.functionName).toBe('Details');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("'Details'");
    expect(warnings[0]).toContain("'List'");
    expect(warnings[0]).toContain('function-name order');
  });

  it('sorts names case-insensitively, whatever the input order', () => {
    const { table } = tableOf([
      { name: 'beta', route: 'x/{a}' },
      { name: 'Alpha', route: 'x/{b}' },
    ]);
    expect(table.match('GET', '/api/x/1')?.functionName).toBe('Alpha');
  });

  it('lets the literal win when its function sorts first', () => {
    const { table, warnings } = tableOf([
      { name: 'B', route: 'items/{id}' },
      { name: 'A', route: 'items/list' },
    ]);
    expect(table.match('GET', '/api/items/list')?.functionName).toBe('A');
    expect(table.match('GET', '/api/items/5')?.functionName).toBe('B');
    expect(warnings).toHaveLength(1);
  });

  it('does not warn when constraints, methods or shapes keep routes apart', () => {
    const { warnings } = tableOf([
      { name: 'A', route: 'items/{id:int}', methods: ['GET'] },
      { name: 'B', route: 'items/list', methods: ['GET'] },
      { name: 'C', route: 'items/{id}', methods: ['DELETE'] },
      { name: 'D', route: 'items/{id}/parts', methods: ['GET'] },
      { name: 'E', route: 'files/{name}.json' },
      { name: 'F', route: 'files/{name}.xml' },
      { name: 'G', route: 'other/{a}/{b}' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('does not warn when the constraints of two parameters accept no value in common', () => {
    const apart = tableOf([
      { name: 'byId', route: 'items/{id:int}' },
      { name: 'bySlug', route: 'items/{slug:alpha}' },
    ]);
    expect(apart.warnings).toEqual([]);
    const together = tableOf([
      { name: 'byId', route: 'items/{id:int}' },
      { name: 'byCode', route: 'items/{code:length(2)}' },
    ]);
    expect(together.warnings).toHaveLength(1);
  });

  it('warns about catch-alls, optional segments and differently named parameters', () => {
    const { warnings } = tableOf([
      { name: 'A', route: 'files/{*path}' },
      { name: 'B', route: 'files/special/{x}' },
      { name: 'C', route: 'p/{x?}' },
      { name: 'D', route: 'p' },
      { name: 'E', route: 'q/{id}' },
      { name: 'F', route: 'q/{key}' },
    ]);
    expect(warnings).toHaveLength(3);
  });
});

describe('errors', () => {
  it('skips the later of exactly equal routes with overlapping methods, naming both functions', () => {
    const { table, skipped } = tableOf([
      { name: 'B', route: 'Items/', methods: ['GET', 'POST'] },
      { name: 'A', route: 'items', methods: ['post'] },
    ]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.functionName).toBe('B');
    expect(skipped[0]?.message).toContain("'A'");
    expect(table.match('POST', '/api/items')?.functionName).toBe('A');
    expect(table.match('GET', '/api/items')).toBeUndefined();
  });

  it('treats missing methods as overlapping every method', () => {
    const { skipped } = tableOf([
      { name: 'A', route: 'x' },
      { name: 'B', route: 'x', methods: ['PUT'] },
    ]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.message).toMatch(/^Function 'B'/);
  });

  it.each(['admin/users', 'administrators', '/Runtime/x', 'runtimes'])(
    'skips the reserved route %s as Azure does, and routes the others',
    (route) => {
      const { table, errors, skipped } = tableOf([
        { name: 'Fn', route },
        { name: 'Other', route: 'other' },
      ]);
      expect(errors).toEqual([]);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]?.message).toContain('built in routes');
      expect(table.match('GET', '/api/other')?.functionName).toBe('Other');
      expect(table.match('GET', `/api/${route.replace(/^\//, '')}`)).toBeUndefined();
    },
  );

  it('skips a function whose name is reserved when it has no route', () => {
    expect(tableOf([{ name: 'AdminPanel' }]).skipped[0]?.message).toMatch(
      /^Function 'AdminPanel': its route \(its name: it sets no route\) starts with 'admin'/,
    );
  });

  it('rejects duplicate function names', () => {
    const { errors } = tableOf([
      { name: 'same', route: 'a' },
      { name: 'Same', route: 'b' },
    ]);
    expect(errors).toHaveLength(1);
  });

  it('keeps routing the other functions', () => {
    const { table, errors } = tableOf([
      { name: 'Bad', route: 'x/{id' },
      { name: 'Good', route: 'y' },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Function 'Bad': the route template 'api\/x\/\{id' is invalid/);
    expect(table.match('GET', '/api/y')?.functionName).toBe('Good');
  });

  it.each([
    ['x/{id', 'unclosed parameter'],
    ['x/id}', 'unmatched close brace'],
    ['x/{', 'dangling open brace'],
    ['x/{a{b}', 'open brace inside a parameter'],
    ['x//y', 'consecutive separators'],
    ['/x', 'leading slash after a prefix'],
    ['{a}{b}', 'two parameters in one segment'],
    ['{*rest}/x', 'catch-all before the end'],
    ['x{*rest}', 'catch-all in a complex segment'],
    ['{*rest?}', 'optional catch-all'],
    ['{a?}x', 'optional parameter followed by a literal'],
    ['x-{a?}', 'optional parameter after something other than a period'],
    ['{a=1?}', 'optional parameter with a default'],
    ['{a}/{A}', 'repeated parameter name'],
    ['{}', 'empty parameter name'],
    ['{*}', 'empty catch-all name'],
    ['{a*b}', 'asterisk inside a name'],
    ['a?b', 'question mark in a literal'],
    ['{id:integer}', 'unknown constraint'],
    ['{id:int(3)}', 'arguments to a constraint without arguments'],
    ['{id:minlength}', 'missing arguments'],
    ['{id:minlength(x)}', 'non-integer argument'],
    ['{id:minlength(-1)}', 'negative length'],
    ['{id:length(5,2)}', 'minimum above maximum'],
    ['{id:length(1,2,3)}', 'too many arguments'],
    ['{id:range(9,1)}', 'empty range'],
    ['{id:min(99999999999999999999)}', 'argument out of range'],
    ['{id:regex(()}', 'invalid regular expression'],
  ])('rejects %s (%s)', (route) => {
    const errors = errorsOf(route);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Function 'Fn': the route template .* is invalid: /);
  });

  it("rejects a template starting with '~' but accepts '~/'", () => {
    expect(errorsOf('~x', '')).toHaveLength(1);
    expect(errorsOf('~/x', '')).toEqual([]);
  });
});

describe('constraints', () => {
  const cases: [string, string[], string[]][] = [
    [
      'int',
      ['123', '-5', '+7', '007', '2147483647', '-2147483648', ' 12'],
      ['2147483648', '1.5', 'abc', '1e3', '0x10'],
    ],
    ['long', ['9223372036854775807', '-9223372036854775808'], ['9223372036854775808', '1.0']],
    ['bool', ['true', 'FALSE', 'True'], ['yes', '1', 'truee']],
    [
      'datetime',
      [
        '2024-01-15',
        '2024-02-29T10:30:00Z',
        '2024-02-29 10:30',
        '01-15-2024',
        '2024.1.5',
        '10:30',
        '2024-01-15T10:30:00.123+02:00',
        '2024-01-15 1:30 PM',
      ],
      ['2023-02-29', '2024-13-01', '2024-04-31', 'tomorrow', '25:00', '2024-01-15T10:61', '0000-01-01'],
    ],
    [
      'decimal',
      ['1.5', '-1,000.25', '.5', '5.', '5-', ' 42 '],
      ['1e5', 'abc', '1.2.3', '-5-', 'NaN', '1e29', '80000000000000000000000000000'],
    ],
    [
      'double',
      ['1.5', '1e10', '-2.5E-3', '1,000', 'Infinity', '-infinity', 'NaN', '.5'],
      ['abc', '1e', 'e5', '1.2.3'],
    ],
    ['float', ['3.4e39', '0.1'], ['one']],
    [
      'guid',
      [
        '0f8fad5b-d9cb-469f-a165-70867728950e',
        '0F8FAD5BD9CB469FA16570867728950E',
        '{0f8fad5b-d9cb-469f-a165-70867728950e}',
        '(0f8fad5b-d9cb-469f-a165-70867728950e)',
      ],
      [
        'not-a-guid',
        '0f8fad5b-d9cb-469f-a165-70867728950g',
        '0f8fad5bd9cb469fa16570867728950',
        '{0f8fad5bd9cb469fa16570867728950e}',
      ],
    ],
    ['alpha', ['abcXYZ', 'a'], ['abc1', 'é', 'a-b']],
    ['required', ['x'], []],
    ['minlength(3)', ['abc', 'abcd'], ['ab']],
    ['maxlength(3)', ['abc', 'a'], ['abcd']],
    ['length(3)', ['abc'], ['ab', 'abcd']],
    ['length(2,4)', ['ab', 'abcd'], ['a', 'abcde']],
    ['min(10)', ['10', '11', '999999999999'], ['9', '-10', 'x']],
    ['max(10)', ['10', '-5'], ['11', 'x']],
    ['range(1,5)', ['1', '3', '5'], ['0', '6', 'three']],
    ['regex(^[a-z]{{2}}\\d+$)', ['ab12', 'AB12'], ['abc1', 'ab']],
    ['regex(\\d)', ['a1b'], ['abc']],
    ['regex(^\\d{{2}}:\\d{{2}}$)', ['10:30'], ['1030']],
    ['int:min(1)', ['1', '42'], ['0', '-1', 'x']],
    ['INT:Range(1, 3)', ['2'], ['4']],
  ];

  it.each(cases)('%s', (constraint, accepted, rejected) => {
    const table = single(`c/{v:${constraint}}`);
    for (const value of accepted) {
      expect(table.match('GET', `/api/c/${encodeURIComponent(value)}`)?.params, value).toEqual({ v: value });
    }
    for (const value of rejected) {
      expect(table.match('GET', `/api/c/${encodeURIComponent(value)}`), value).toBeUndefined();
    }
  });

  it('applies constraints to optional parameters only when present', () => {
    const table = single('c/{v:int:min(5)?}');
    expect(table.match('GET', '/api/c')?.params).toEqual({});
    expect(table.match('GET', '/api/c/7')?.params).toEqual({ v: '7' });
    expect(table.match('GET', '/api/c/3')).toBeUndefined();
  });
});

describe('createRouteTable', () => {
  it('returns an empty table for no functions', () => {
    const { table, warnings, errors } = createRouteTable([], API);
    expect(table.match('GET', '/api/x')).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('matches quickly against many routes', () => {
    const functions = Array.from({ length: 300 }, (_, index) => ({
      name: `fn${String(index).padStart(3, '0')}`,
      route: `area${index}/{category:alpha}/{id:int?}`,
    }));
    const { table } = createRouteTable(functions, API);
    const started = performance.now();
    for (let round = 0; round < 200; round++) {
      expect(table.match('GET', '/api/area299/books/42')?.functionName).toBe('fn299');
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  collectSettings,
  parseDatabaseUrl,
  parseDomainName,
  parseEnvironment,
  parseHours,
  parseMinutes,
  parsePlan,
  parsePort,
  parseRedisUrl,
  parseRoles,
  parseSeconds,
  parseSetting,
  parseUserDetails,
} from './options.js';

describe('parsePlan', () => {
  it('accepts free and standard in any case', () => {
    expect(parsePlan('free')).toBe('free');
    expect(parsePlan('Standard')).toBe('standard');
  });

  it('refuses other plans', () => {
    expect(() => parsePlan('premium')).toThrow(InvalidArgumentError);
  });
});

describe('parseEnvironment', () => {
  it('accepts production, its REST name default, and 1-16 letters and digits', () => {
    expect(parseEnvironment('production')).toBe('production');
    expect(parseEnvironment('default')).toBe('production');
    expect(parseEnvironment('Default')).toBe('production');
    expect(parseEnvironment('PRODUCTION')).toBe('production');
    expect(parseEnvironment('pr42')).toBe('pr42');
    expect(parseEnvironment('A'.repeat(16))).toBe('A'.repeat(16));
  });

  it('refuses empty, long and non-alphanumeric names', () => {
    for (const bad of ['', 'a'.repeat(17), 'my-env', 'pr_1', 'ü']) {
      expect(() => parseEnvironment(bad), bad).toThrow(InvalidArgumentError);
    }
  });
});

describe('parseSetting', () => {
  it('splits at the first =, keeping = and empty values', () => {
    expect(parseSetting('DATABASE_URL=postgres://u:p@h/db?a=b')).toEqual([
      'DATABASE_URL',
      'postgres://u:p@h/db?a=b',
    ]);
    expect(parseSetting('EMPTY=')).toEqual(['EMPTY', '']);
    expect(parseSetting('my.setting_1=x')).toEqual(['my.setting_1', 'x']);
  });

  it('refuses a missing = or a bad name', () => {
    for (const bad of ['NOVALUE', '=x', 'BAD-NAME=x', 'A B=x']) {
      expect(() => parseSetting(bad), bad).toThrow(InvalidArgumentError);
    }
  });

  it('refuses names that are special in JavaScript, saying why', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(() => parseSetting(`${name}=1`), name).toThrow(/reserved .*special in JavaScript/);
    }
  });

  it('collects pairs for variadic arguments', () => {
    expect(collectSettings('B=2', collectSettings('A=1', undefined))).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
  });
});

describe('parseUserDetails', () => {
  it('takes what a sign-in can give, trimmed, commas and spaces included', () => {
    expect(parseUserDetails(' ann@example.com ')).toBe('ann@example.com');
    expect(parseUserDetails('Doe, Jane')).toBe('Doe, Jane');
  });

  it('refuses a name no sign-in can give, saying the rule', () => {
    for (const value of ['x\ny', 'tab\there', 'bell\u0007', ' ', 'a'.repeat(257)]) {
      expect(() => parseUserDetails(value), JSON.stringify(value)).toThrow(InvalidArgumentError);
    }
    expect(() => parseUserDetails('x\ny')).toThrow(/control character.*without control characters/);
  });
});

describe('parseRoles', () => {
  it('splits, trims and de-duplicates', () => {
    expect(parseRoles('admin, editor,admin,')).toEqual(['admin', 'editor']);
    expect(parseRoles('team_lead_1')).toEqual(['team_lead_1']);
  });

  it('refuses empty lists, bad names and the built-in roles', () => {
    const many = Array.from({ length: 51 }, (_, i) => `r${i}`).join(',');
    for (const bad of [
      '',
      ' , ',
      'a b',
      'team-a',
      'v1.0',
      'admin,anonymous',
      'Authenticated',
      'x'.repeat(65),
      many,
    ]) {
      expect(() => parseRoles(bad), bad).toThrow(InvalidArgumentError);
    }
  });
});

describe('parseHours', () => {
  it('accepts whole hours from 1 to 168', () => {
    expect(parseHours('1')).toBe(1);
    expect(parseHours('168')).toBe(168);
  });

  it('refuses 0, more than a week, fractions and text', () => {
    for (const bad of ['0', '169', '1.5', 'day', '']) {
      expect(() => parseHours(bad), bad).toThrow(InvalidArgumentError);
    }
  });
});

describe('parseSeconds and parseMinutes', () => {
  it('accept positive amounts up to what a timer can wait (about 24 days)', () => {
    expect(parseSeconds('0.5')).toBe(0.5);
    expect(parseSeconds('2147483')).toBe(2147483);
    expect(parseMinutes('15')).toBe(15);
    expect(parseMinutes('35791')).toBe(35791);
  });

  it('refuse more, since a longer timer would fire at once, and say the limit in their own unit', () => {
    expect(() => parseSeconds('3000000')).toThrow(
      'expected a positive number of seconds, at most 2147483 (about 24 days).',
    );
    expect(() => parseMinutes('40000')).toThrow(
      'expected a positive number of minutes, at most 35791 (about 24 days).',
    );
    for (const bad of ['0', '-1', 'soon', 'Infinity']) {
      expect(() => parseSeconds(bad), bad).toThrow(InvalidArgumentError);
      expect(() => parseMinutes(bad), bad).toThrow(InvalidArgumentError);
    }
  });
});

describe('parsePort and parseDomainName', () => {
  it('takes decimal ports only (0x50 is not port 80)', () => {
    expect(parsePort('8080')).toBe(8080);
    expect(() => parsePort('0x50')).toThrow(InvalidArgumentError);
    expect(() => parsePort('99999')).toThrow(InvalidArgumentError);
  });

  it('takes a domain name, not a URL or a name with spaces', () => {
    expect(parseDomainName('Sites.Example.com')).toBe('sites.example.com');
    expect(parseDomainName('localhost')).toBe('localhost');
    expect(() => parseDomainName('http://x.com')).toThrow(InvalidArgumentError);
    expect(() => parseDomainName('bad domain')).toThrow(InvalidArgumentError);
  });
});

describe('parseDatabaseUrl and parseRedisUrl', () => {
  it('take PostgreSQL and Redis URLs, and say what they expected otherwise', () => {
    expect(parseDatabaseUrl('postgres://root@127.0.0.1/x')).toBe('postgres://root@127.0.0.1/x');
    expect(() => parseDatabaseUrl('mysql://x')).toThrow(/expected a PostgreSQL URL/);
    expect(parseRedisUrl('rediss://cache:6380')).toBe('rediss://cache:6380');
    expect(() => parseRedisUrl('http://x')).toThrow(/expected a Redis URL/);
  });
});

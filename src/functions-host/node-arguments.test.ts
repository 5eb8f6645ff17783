/** `languageWorkers__node__arguments`: which Node.js options a dev worker gets, and which are refused. */
import { describe, expect, it } from 'vitest';
import { PorticoError } from '../shared/errors.js';
import {
  checkNodeArguments,
  describeNodeArguments,
  readNodeArguments,
  warnOfInspectorInNodeOptions,
} from './node-arguments.js';

function refusal(value: string): PorticoError {
  try {
    readNodeArguments({ languageWorkers__node__arguments: value });
  } catch (error) {
    expect(error).toBeInstanceOf(PorticoError);
    return error as PorticoError;
  }
  throw new Error(`expected "${value}" to be refused`);
}

describe('readNodeArguments', () => {
  it('reads the options in order, with double quotes keeping a value with spaces together', () => {
    expect(
      readNodeArguments({
        languageWorkers__node__arguments:
          ' --enable-source-maps  --title="my api"\t--max-old-space-size=1024 ',
      }),
    ).toEqual({
      args: ['--enable-source-maps', '--title=my api', '--max-old-space-size=1024'],
      debugging: false,
    });
  });

  it("reads Core Tools' other spelling and any letter case; unset or blank is no options", () => {
    expect(readNodeArguments({ 'languageWorkers:node:arguments': '--inspect' }).args).toEqual(['--inspect']);
    expect(readNodeArguments({ LANGUAGEWORKERS__NODE__ARGUMENTS: '--inspect' }).args).toEqual(['--inspect']);
    expect(readNodeArguments({})).toEqual({ args: [], debugging: false });
    expect(readNodeArguments({ languageWorkers__node__arguments: '  ' })).toEqual({
      args: [],
      debugging: false,
    });
  });

  it('knows the options that open the inspector, and only those', () => {
    for (const option of ['--inspect', '--inspect=9229', '--inspect-brk=127.0.0.1:0', '--inspect-wait']) {
      expect(readNodeArguments({ languageWorkers__node__arguments: option }).debugging, option).toBe(true);
    }
    for (const option of ['--inspect-port=9229', '--inspection', '--enable-source-maps']) {
      expect(readNodeArguments({ languageWorkers__node__arguments: option }).debugging, option).toBe(false);
    }
  });

  it('refuses what is not an option, naming it and showing the form that works', () => {
    const error = refusal('--require ./setup.js');
    expect(error.code).toBe('FUNCTIONS_INVALID_SETTINGS');
    expect(error.message).toBe(
      'languageWorkers__node__arguments (from your environment or local.settings.json): "./setup.js" is not a Node.js option; give each option as --name or --name=value (e.g. --inspect=9229 or --require=./setup.js)',
    );
  });

  it('refuses options that would run something other than the worker', () => {
    for (const value of [
      '--eval=process.exit(0)',
      '-e',
      '-p',
      '-pe',
      '--watch',
      '--test',
      '--',
      '--version',
    ]) {
      expect(refusal(`--inspect ${value}`).message, value).toContain(
        'would make Node.js run something other than the API worker',
      );
    }
  });

  it('describes the options, what an inspector changes, and why several workers cannot all be debugged', () => {
    const inspect = readNodeArguments({ languageWorkers__node__arguments: '--inspect=9229' });
    expect(describeNodeArguments(inspect, 2)).toBe(
      'functions: the worker runs Node.js with --inspect=9229 (languageWorkers__node__arguments); while a debugger may pause it, the worker has no health checks and no time limit to load (FUNCTIONS_WORKER_PROCESS_COUNT is 2: only one worker can listen on a given inspector port; set it to 1 to debug)',
    );
    const maps = readNodeArguments({ languageWorkers__node__arguments: '--enable-source-maps' });
    expect(describeNodeArguments(maps, 2)).toBe(
      'functions: the worker runs Node.js with --enable-source-maps (languageWorkers__node__arguments)',
    );
    expect(describeNodeArguments(readNodeArguments({}), 1)).toBe(
      'functions: languageWorkers__node__arguments is no longer set',
    );
  });

  it('warns of an inspector in NODE_OPTIONS, which the CLI takes before the worker, and says what to set instead', () => {
    for (const options of ['--inspect', '--max-old-space-size=100 --inspect-brk=9229']) {
      expect(warnOfInspectorInNodeOptions({ NODE_OPTIONS: options }), options).toContain(
        'set languageWorkers__node__arguments instead (e.g. to --inspect=9229)',
      );
    }
    for (const options of [undefined, '', '--inspect-port=9229', '--enable-source-maps']) {
      const env: Record<string, string> = options === undefined ? {} : { NODE_OPTIONS: options };
      expect(warnOfInspectorInNodeOptions(env), String(options)).toBeUndefined();
    }
  });

  it('checks options given one word each (--func-args), naming where they came from', () => {
    expect(checkNodeArguments(['--inspect=9229', '--title=my api'], '--func-args')).toEqual({
      args: ['--inspect=9229', '--title=my api'],
      debugging: true,
    });
    expect(() => checkNodeArguments(['--eval=1'], '--func-args (--language-worker)')).toThrow(
      'languageWorkers__node__arguments (from --func-args (--language-worker)): "--eval=1" would make Node.js run something other than the API worker',
    );
  });
});

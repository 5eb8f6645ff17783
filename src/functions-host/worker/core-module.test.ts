/** The emulated `@azure/functions-core` surface (spec §2.1, §2.4), in process. */
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { createWorkerApp } from './app-state.js';
import {
  CORE_HOST_VERSION,
  CORE_MODULE_ID,
  createCoreApi,
  installCoreModule,
  setupDefaultProgrammingModel,
} from './core-module.js';
import { Disposable } from './disposable.js';

const HTTP_BINDINGS = { req: { type: 'httpTrigger', direction: 'in' } };

function setup() {
  const app = createWorkerApp();
  const emitLog = vi.fn();
  return { app, emitLog, core: createCoreApi(app, emitLog) };
}

describe('core module', () => {
  it('registers functions, switching the app to v4, and refuses a duplicate id', () => {
    const { app, core } = setup();
    core.registerFunction({ name: 'a', bindings: HTTP_BINDINGS }, () => 'a');
    expect(app.usingWorkerIndexing).toBe(true);
    expect(app.functions.get('a')?.metadata).toMatchObject({
      name: 'a',
      functionId: 'a',
      bindings: HTTP_BINDINGS,
    });
    expect(() => core.registerFunction({ name: 'a', bindings: HTTP_BINDINGS }, () => 'b')).toThrow(
      'A function with id "a" has already been registered.',
    );
    core.registerFunction({ name: 'a', functionId: 'a2', bindings: HTTP_BINDINGS }, () => 'c');
    expect([...app.functions.keys()]).toEqual(['a', 'a2']);
  });

  it('refuses registration and disposal after startup', () => {
    const { app, core } = setup();
    const registration = core.registerFunction({ name: 'a', bindings: HTTP_BINDINGS }, () => 'a');
    app.locked = true;
    expect(() => registration.dispose()).toThrow('only be disposed during app startup');
    expect(() => core.registerFunction({ name: 'b', bindings: HTTP_BINDINGS }, () => 'b')).toThrow(
      'A function can only be registered during app startup.',
    );
  });

  it('rejects malformed registrations', () => {
    const { core } = setup();
    expect(() => core.registerFunction({ name: 'a' }, () => 'a')).toThrow('"name" and "bindings"');
    expect(() => core.registerFunction({ name: 'a', bindings: HTTP_BINDINGS }, 'nope')).toThrow(
      'not a function',
    );
  });

  it('registers the five hooks and disposes them; others throw a flagged RangeError', () => {
    const { app, core } = setup();
    for (const name of ['preInvocation', 'postInvocation', 'appStart', 'appTerminate', 'log'] as const) {
      const hook = core.registerHook(name, () => undefined);
      expect(app.hooks[name]).toHaveLength(1);
      hook.dispose();
      expect(app.hooks[name]).toHaveLength(0);
    }
    let thrown: unknown;
    try {
      core.registerHook('dinner', () => undefined);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect(thrown).toMatchObject({ name: 'RangeError', isAzureFunctionsSystemError: true });
  });

  it('keeps the last programming model and exposes versions, log and Disposable', () => {
    const { core, emitLog } = setup();
    const model = { name: '@azure/functions', version: '4.0.0', getInvocationModel: () => ({}) };
    core.setProgrammingModel({ ...model, version: '3.0.0' });
    core.setProgrammingModel(model);
    expect(core.getProgrammingModel()).toBe(model);
    expect(() => core.setProgrammingModel({})).toThrow('getInvocationModel');
    expect(core.hostVersion).toBe(CORE_HOST_VERSION);
    expect(core.version).toMatch(/^3\./);
    expect(core.Disposable).toBe(Disposable);
    core.log('warning', 'system', 'hi');
    expect(emitLog).toHaveBeenCalledWith('warning', 'system', 'hi');
  });

  it('sets up the default model only when asked for one before any is set (decision 0050)', () => {
    const { app, core } = setup();
    const v4 = { name: '@azure/functions', version: '4.0.0', getInvocationModel: () => ({}) };
    let setUps = 0;
    app.setUpDefaultModel = () => {
      setUps += 1;
      core.setProgrammingModel({ ...v4, version: '3.5.1' });
    };
    core.setProgrammingModel(v4);
    expect(core.getProgrammingModel()).toBe(v4);
    expect(setUps).toBe(0);

    const other = setup();
    const uninstall = installCoreModule(other.core);
    try {
      other.app.setUpDefaultModel = setupDefaultProgrammingModel;
      expect(other.core.getProgrammingModel()).toMatchObject({ name: '@azure/functions', version: '3.5.1' });
      other.core.setProgrammingModel(v4);
      expect(other.core.getProgrammingModel()).toBe(v4);
    } finally {
      uninstall();
    }
  });

  it('is what require("@azure/functions-core") returns once installed, and only then', () => {
    const { core } = setup();
    const requireHere = createRequire(import.meta.url);
    const uninstall = installCoreModule(core);
    try {
      expect(requireHere(CORE_MODULE_ID)).toBe(core);
      expect(requireHere('node:path')).toBeDefined();
    } finally {
      uninstall();
    }
    expect(() => requireHere(CORE_MODULE_ID)).toThrow();
  });
});

describe('Disposable', () => {
  it('runs its action once, and from() disposes every item', () => {
    const action = vi.fn();
    const single = new Disposable(action);
    single.dispose();
    single.dispose();
    expect(action).toHaveBeenCalledTimes(1);
    const a = { dispose: vi.fn() };
    const b = { dispose: vi.fn() };
    Disposable.from(a, b).dispose();
    expect(a.dispose).toHaveBeenCalledOnce();
    expect(b.dispose).toHaveBeenCalledOnce();
  });
});

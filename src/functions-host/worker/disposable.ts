/** The core module's `Disposable` (VS Code style), returned by `registerFunction` and `registerHook`. */
export class Disposable {
  /** Combines several disposables into one that disposes them all once. */
  static from(...items: readonly { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const item of items) {
        item.dispose();
      }
    });
  }

  #onDispose: (() => unknown) | undefined;

  constructor(onDispose: () => unknown) {
    this.#onDispose = onDispose;
  }

  /** Runs the dispose action the first time only. */
  dispose(): unknown {
    const action = this.#onDispose;
    this.#onDispose = undefined;
    return action?.();
  }
}

import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A value that must never be serialised: JSON.stringify, util.inspect, String() and template
 * literals all give `[redacted]`. Only `reveal()` gives the value, at the single place that sends it.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export function secret<T>(value: T): Secret<T> {
  return new Secret(value);
}

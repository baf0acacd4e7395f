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

const MIN_SCRUB_LENGTH = 4;

/** Every string of 4+ characters inside a value (credentials, a header): what must never be echoed. */
export function secretValues(value: unknown): string[] {
  if (typeof value === 'string') return value.length >= MIN_SCRUB_LENGTH ? [value] : [];
  if (value instanceof Secret) return secretValues(value.reveal());
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(secretValues);
  return [];
}

/** `text` with each of `values` replaced by `[redacted]` (longest first, so no fragment survives). */
export function scrubText(text: string, values: readonly string[]): string {
  return [...values]
    .filter((v) => v.length >= MIN_SCRUB_LENGTH)
    .sort((a, b) => b.length - a.length)
    .reduce((out, v) => out.split(v).join(REDACTED), text);
}

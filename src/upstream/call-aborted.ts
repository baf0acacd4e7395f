/** A call ended by the caller going away (client disconnect), not by the provider. */
export class CallAborted extends Error {
  constructor() {
    super('The caller went away; the upstream call was abandoned.');
    this.name = 'AbortError';
  }
}

import type { ProviderDefinition } from './definition.js';
import { auth0Provider } from './auth0/definition.js';
import { leenProvider } from './leen/definition.js';
import { versoriProvider } from './versori/definition.js';

/** The one list of provider types. Adding a provider is a folder and one line here. */
export const definitions: ReadonlyArray<ProviderDefinition> = [leenProvider, auth0Provider, versoriProvider];

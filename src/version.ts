/** The gateway's version (package.json; a test keeps them equal): the `user-agent` of webhook deliveries. */
export const VERSION = '0.1.0';

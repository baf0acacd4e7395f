import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assetsDir, nothingHere, render, type PageRoute } from '../page.js';

/** `GET /connect/assets/{connect.css|connect.js}`: the page's one stylesheet and one script, from its own files (no CDN), read once. */

const TYPES = {
  'connect.css': 'text/css; charset=utf-8',
  'connect.js': 'text/javascript; charset=utf-8',
} as const;
type Asset = keyof typeof TYPES;
const cache = new Map<Asset, Promise<Buffer>>();

const route: PageRoute = {
  register(page) {
    page.get('/connect/assets/:file', async (c) => {
      const name = c.req.param('file');
      if (!Object.hasOwn(TYPES, name)) return render(c, nothingHere());
      const asset = name as Asset;
      let file = cache.get(asset);
      if (!file) cache.set(asset, (file = readFile(join(assetsDir(), asset))));
      return c.body(new Uint8Array(await file), 200, {
        'content-type': TYPES[asset],
        'cache-control': 'public, max-age=300',
      });
    });
  },
};
export default route;

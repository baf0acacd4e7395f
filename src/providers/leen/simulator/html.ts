/** The simulator's pages (the OAuth2 consent stand-in, the OnRamp stand-in): server-rendered, no external assets. */

export { escapeHtml } from '../../../simulator/html.js';

/** A whole page; `title` and `body` are HTML already (escape what goes into them). */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>
<body>
${body}
</body></html>`;
}

/** A "Simulator assumptions" section: what a page assumes where Leen's documents are silent. */
export function assumptions(items: readonly string[]): string {
  return `<section aria-labelledby="sim-assumptions">
<h2 id="sim-assumptions">Simulator assumptions</h2>
<p>Leen does not document these; this simulator assumes:</p>
<ul>
${items.map((item) => `<li>${item}</li>`).join('\n')}
</ul>
</section>`;
}

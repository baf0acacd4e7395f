import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { inputAttributes, type FormField, type FormGroup, type FormNode } from './form.js';

/**
 * The hosted page's views: server-rendered HTML with Hono's `html` helper (every interpolated value
 * is escaped), one stylesheet and one script of the gateway's own, no inline script or style. Every
 * page works without JavaScript; the script only adds live field checks. A view never receives a
 * secret: forms are refilled from the non-secret values only (form.ts keptValues).
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Chrome {
  /** Who the page is for, shown small at the top ("Connecting for Ada Lovelace"). */
  endUser: string;
  /** Where "Cancel" goes (the return URL with `status=cancelled`). */
  cancelUrl: string | null;
}

function layout(
  title: string,
  chrome: Chrome | null,
  body: Html,
  refreshSeconds: number | null = null,
): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${refreshSeconds !== null ? html`<meta http-equiv="refresh" content="${String(refreshSeconds)}">` : ''}
<title>${title} · Plugboard</title>
<link rel="stylesheet" href="/connect/assets/connect.css">
<script src="/connect/assets/connect.js" defer></script>
</head>
<body>
<main class="card" id="main">
${chrome ? html`<p class="muted">Connecting for ${chrome.endUser}</p>` : ''}
${body}
${chrome?.cancelUrl ? html`<p class="actions"><a class="button-secondary" href="${chrome.cancelUrl}">Cancel and go back</a></p>` : ''}
</main>
</body>
</html>`;
}

export interface ChoiceLink {
  href: string;
  title: string;
  detail: string | null;
}

/** The chooser: what the end user may connect, as a list of links (no script needed). */
export function chooserPage(
  chrome: Chrome,
  heading: string,
  intro: string,
  groups: Array<{ label: string; links: ChoiceLink[] }>,
): Html {
  return layout(
    heading,
    chrome,
    html`<h1>${heading}</h1>
<p>${intro}</p>
${groups.map(
  (g) => html`<h2>${g.label}</h2>
<ul class="chooser">
${g.links.map(
  (l) =>
    html`<li><a href="${l.href}"><span class="chooser-title">${l.title}</span>${l.detail ? html`<span class="chooser-detail">${l.detail}</span>` : ''}</a></li>`,
)}
</ul>`,
)}`,
  );
}

export interface FormView {
  heading: string;
  intro: string | null;
  action: string;
  csrf: string;
  nodes: FormNode[];
  /** Hidden fields beside the CSRF token (the chosen variant). */
  hidden: Record<string, string>;
  errors: ReadonlyMap<string, string>;
  kept: Readonly<Record<string, string>>;
  /** A message above the form: the provider's answer to a failed test, a rate limit. */
  notice: string | null;
  submitLabel: string;
  busyLabel: string;
  backHref: string | null;
}

/** A credential form. Errors are tied to their fields (aria-describedby) and the first invalid field gets the focus. */
export function formPage(chrome: Chrome, v: FormView): Html {
  const firstInvalid = [...v.errors.keys()][0];
  const summary =
    v.notice || v.errors.size > 0
      ? html`<div class="notice notice-error" role="alert" id="form-problem">
${v.notice ? html`<p>${v.notice}</p>` : ''}
${v.errors.size > 0 ? html`<p>Please correct the ${v.errors.size === 1 ? 'field' : `${v.errors.size} fields`} marked below.</p>` : ''}
</div>`
      : '';
  return layout(
    v.heading,
    chrome,
    html`<h1>${v.heading}</h1>
${v.intro ? html`<p>${v.intro}</p>` : ''}
${summary}
<form class="connect-form" method="post" action="${v.action}" novalidate>
<input type="hidden" name="csrf" value="${v.csrf}">
${Object.entries(v.hidden).map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
${v.nodes.map((n) => node(n, v, firstInvalid))}
${v.errors.get('') ? html`<p class="field-error" role="alert">${v.errors.get('')}</p>` : ''}
<p class="actions"><button type="submit" data-busy-label="${v.busyLabel}">${v.submitLabel}</button>
${v.backHref ? html`<a class="button-secondary" href="${v.backHref}">Choose something else</a>` : ''}</p>
</form>`,
  );
}

function node(n: FormNode, v: FormView, firstInvalid: string | undefined): Html {
  return n.type === 'group' ? group(n, v, firstInvalid) : field(n, v, firstInvalid);
}

function group(g: FormGroup, v: FormView, firstInvalid: string | undefined): Html {
  const error = v.errors.get(g.name);
  return html`<fieldset class="group" id="${g.id}" aria-describedby="${g.errorId}">
<legend>${g.label}${g.required ? requiredMark() : ''}</legend>
${g.description ? html`<p class="hint">${g.description}</p>` : ''}
${g.nodes.map((n) => node(n, v, firstInvalid))}
<p id="${g.errorId}" class="field-error">${error ?? ''}</p>
</fieldset>`;
}

function requiredMark(): Html {
  return html`<span class="required-mark" aria-hidden="true"> *</span><span class="visually-hidden"> (required)</span>`;
}

function field(f: FormField, v: FormView, firstInvalid: string | undefined): Html {
  const error = v.errors.get(f.name);
  const attrs = inputAttributes(f, error !== undefined);
  if (f.name === firstInvalid) attrs['autofocus'] = true;
  // Secrets are never refilled: kept holds none, and a password input never gets a value.
  const kept = f.secret ? undefined : v.kept[f.name];
  let control: Html;
  if (f.input === 'select') {
    control = html`<select ${attributes(attrs)}>
${f.required ? '' : html`<option value="">—</option>`}
${(f.options ?? []).map((o) => html`<option value="${o.value}"${o.value === kept ? html` selected` : ''}>${o.label}</option>`)}
</select>`;
  } else if (f.input === 'json') {
    control = html`<textarea ${attributes(attrs)} rows="4">${kept ?? ''}</textarea>`;
  } else if (f.input === 'checkbox') {
    control = html`<input ${attributes(attrs)}${kept === 'true' ? html` checked` : ''}>`;
  } else {
    control = html`<input ${attributes(attrs)}${kept !== undefined ? html` value="${kept}"` : ''}>`;
  }
  return html`<div class="field${f.input === 'checkbox' ? ' field-checkbox' : ''}">
<label for="${f.id}">${f.label}${f.required ? requiredMark() : ''}</label>
${f.hintId ? html`<p class="hint" id="${f.hintId}">${f.description}</p>` : ''}
${control}
<p id="${f.errorId}" class="field-error">${error ?? ''}</p>
</div>`;
}

/** `name="value"` pairs, escaped; `true` renders the bare attribute. */
function attributes(attrs: Record<string, string | true>): Html {
  return html`${Object.entries(attrs).map(([k, val]) => (val === true ? html` ${k}` : html` ${k}="${val}"`))}`;
}

/** A state that ends here: done, expired, revoked, an unknown link, a consent that did not happen. */
export interface NoticeView {
  heading: string;
  message: string;
  tone: 'success' | 'error' | 'expired';
  /** A primary link (back to the app; to the provider's flow, in a new tab, with `newTab`). */
  link: { href: string; label: string; newTab?: boolean } | null;
  /** A form button (try again), with its CSRF token. */
  retry: { action: string; csrf: string; label: string } | null;
  /** The page reloads itself after this many seconds (a provider flow being waited for). */
  refreshSeconds?: number;
}

export function noticePage(chrome: Chrome | null, v: NoticeView): Html {
  return layout(
    v.heading,
    chrome ? { ...chrome, cancelUrl: null } : null,
    html`<h1>${v.heading}</h1>
<div class="notice notice-${v.tone}" role="${v.tone === 'success' ? 'status' : 'alert'}"><p>${v.message}</p></div>
${
  v.retry
    ? html`<form method="post" action="${v.retry.action}" class="actions"><input type="hidden" name="csrf" value="${v.retry.csrf}"><button type="submit">${v.retry.label}</button></form>`
    : ''
}
${
  v.link
    ? html`<p class="actions"><a href="${v.link.href}"${v.link.newTab ? html` target="_blank" rel="noopener noreferrer"` : ''}>${v.link.label}</a></p>`
    : ''
}`,
    v.refreshSeconds ?? null,
  );
}

/** Text for HTML (element content and quoted attribute values): what every simulator page escapes with. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// Escaping for each output format. User data (key names, values, scenario and check names,
// server messages) is untrusted: it must show as itself and never change the document.

/** characters XML 1.0 forbids outright (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/F) */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for XML element content or a double-quoted attribute; forbidden characters become U+FFFD. */
export function escapeXml(s: string, attribute = false): string {
  const text = s.replace(XML_INVALID, "\uFFFD").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
  // attribute values are normalised by parsers (newlines become spaces) unless written as references
  return attribute ? text.replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;") : text;
}

/**
 * Text for one Markdown line or table cell (GitHub flavoured): HTML is neutralised with
 * entities, Markdown syntax with backslashes, pipes cannot split a cell, newlines cannot
 * end the row.
 */
export function escapeMarkdown(s: string): string {
  return stripControls(s)
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|~!])/g, "\\$1");
}

/**
 * Text safe to print on a terminal: control characters (ANSI escapes, NUL, backspace) and
 * bidirectional overrides are shown as visible \u escapes instead of acting.
 */
export function sanitizeTerminal(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/g, (c) =>
    c === "\u2028" || c === "\u2029" ? " " : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ).replace(/[\r\n\t]+/g, " ");
}

function stripControls(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, "");
}

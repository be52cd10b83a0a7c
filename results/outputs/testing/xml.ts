// A small, strict XML 1.0 well-formedness parser for tests (no DTDs, no namespaces processing).
// Enough to prove junit.xml parses and to read its elements back.

export interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function decode(raw: string, where: string): string {
  if (raw.includes("<")) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(";")) throw new Error(`bare "&" in ${where}`);
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (body in named) return named[body];
    const num = /^#x([0-9a-fA-F]+)$/.exec(body) ?? /^#([0-9]+)$/.exec(body);
    if (num) return String.fromCodePoint(parseInt(num[1], body.startsWith("#x") ? 16 : 10));
    throw new Error(`unknown entity &${body}; in ${where}`);
  });
}

export function parseXml(xml: string): XmlElement {
  if (!XML_CHAR.test(xml)) throw new Error("document contains characters XML 1.0 forbids");
  let i = 0;
  const rest = () => xml.slice(i);
  const skipWs = () => { while (i < xml.length && /\s/.test(xml[i])) i++; };
  if (rest().startsWith("<?xml")) {
    const end = xml.indexOf("?>", i);
    if (end < 0) throw new Error("unterminated XML declaration");
    i = end + 2;
  }
  skipWs();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i + 4);
      if (end < 0) throw new Error("unterminated comment");
      if (xml.slice(i + 4, end).includes("--")) throw new Error('"--" inside a comment');
      i = end + 3;
    } else if (xml.startsWith("<![CDATA[", i)) {
      const end = xml.indexOf("]]>", i);
      if (end < 0 || stack.length === 0) throw new Error("bad CDATA section");
      stack[stack.length - 1].text += xml.slice(i + 9, end);
      i = end + 3;
    } else if (xml.startsWith("</", i)) {
      i += 2;
      const m = NAME.exec(rest());
      if (!m) throw new Error(`bad closing tag at ${i}`);
      i += m[0].length;
      skipWs();
      if (xml[i] !== ">") throw new Error(`expected ">" at ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`</${m[0]}> does not close <${open?.name}>`);
      if (stack.length === 0) root = open;
    } else if (xml[i] === "<") {
      i++;
      const m = NAME.exec(rest());
      if (!m) throw new Error(`bad tag name at ${i}`);
      i += m[0].length;
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: "" };
      for (;;) {
        const before = i;
        skipWs();
        if (xml.startsWith("/>", i)) { i += 2; break; }
        if (xml[i] === ">") { i++; break; }
        if (i === before) throw new Error(`expected whitespace before attribute at ${i}`);
        const a = NAME.exec(rest());
        if (!a) throw new Error(`bad attribute name at ${i} in <${el.name}>`);
        i += a[0].length;
        skipWs();
        if (xml[i] !== "=") throw new Error(`expected "=" at ${i}`);
        i++;
        skipWs();
        const q = xml[i];
        if (q !== '"' && q !== "'") throw new Error(`unquoted attribute at ${i}`);
        const end = xml.indexOf(q, i + 1);
        if (end < 0) throw new Error("unterminated attribute");
        if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]}`);
        el.attrs[a[0]] = decode(xml.slice(i + 1, end), `attribute ${a[0]} of <${el.name}>`);
        i = end + 1;
      }
      const selfClosing = xml[i - 2] === "/";
      if (stack.length > 0) stack[stack.length - 1].children.push(el);
      else if (root) throw new Error("more than one root element");
      if (selfClosing) { if (stack.length === 0) root = el; } else stack.push(el);
    } else {
      const end = xml.indexOf("<", i);
      const raw = xml.slice(i, end < 0 ? xml.length : end);
      if (stack.length === 0) {
        if (raw.trim() !== "") throw new Error("text outside the root element");
      } else {
        if (raw.includes("]]>")) throw new Error('"]]>" in text');
        stack[stack.length - 1].text += decode(raw, `text of <${stack[stack.length - 1].name}>`);
      }
      i = end < 0 ? xml.length : end;
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}

export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => { if (e.name === name) out.push(e); e.children.forEach(walk); };
  walk(el);
  return out;
}

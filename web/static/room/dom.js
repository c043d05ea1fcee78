// Small DOM helpers for the room's modules: text only goes in through textContent, never as HTML.

export const $ = (id) => document.getElementById(id);

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  return node;
}

export function button(className, text, onClick) {
  const node = element("button", `button small ${className}`, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

// "%(name)s" placeholders filled from values (texts come translated from the server).
export function fill(text, values) {
  return String(text || "").replace(/%\((\w+)\)s/g, (match, key) => (key in values ? String(values[key]) : match));
}

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

// Redraw a list in place: items are {key, sig, build(), patch(node)}. A row whose signature did not change is
// kept (so a button the chair is about to press is not swapped under the pointer); only its patch() runs,
// for figures that change often. Rows are moved only when out of order.
export function reconcile(list, items) {
  const old = new Map();
  for (const child of [...list.children]) {
    old.set(child.dataset.key, child);
  }
  items.forEach((item, i) => {
    let node = old.get(item.key);
    if (!node || node.dataset.sig !== item.sig) {
      const fresh = item.build();
      fresh.dataset.key = item.key;
      fresh.dataset.sig = item.sig;
      if (node) {
        node.replaceWith(fresh);
      }
      node = fresh;
    }
    old.delete(item.key);
    item.patch?.(node);
    if (list.children[i] !== node) {
      list.insertBefore(node, list.children[i] || null);
    }
  });
  for (const node of old.values()) {
    node.remove();
  }
}

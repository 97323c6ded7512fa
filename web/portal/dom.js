// Building the DOM without innerHTML: the pages run under a CSP with no
// inline script or style, and server or manifest text must never be parsed
// as HTML. Everything goes through createElement and textContent.

let nextId = 0;

/** A fresh id for label/aria-describedby pairs: "p-name-7". */
export function uid(name = 'id') {
  nextId += 1;
  return `p-${name}-${nextId}`;
}

/**
 * h('p', {class: 'x', text: 'hello'}, child, 'text', ...): an element.
 * Props: `class`, `text` (textContent), `on<event>` (listeners), booleans
 * (true sets an empty attribute, false/null/undefined leave it out), `value`
 * and `checked` as properties, anything else as an attribute.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'value' || key === 'checked') el[key] = value;
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children: nodes, strings (as text), arrays of them; null and false are skipped. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Removes every child. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// The API reference: fetches the server's OpenAPI document and shows its operations,
// grouped by tag (parameters, body, answers with their error codes), then its schemas.
// Built with DOM calls only, so no text of the document is ever read as markup.
"use strict";

const DOC_URL = "/api/v1/openapi.json";
const SCHEMA_PREFIX = "#/components/schemas/";

/** An element with attributes and children (strings become text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function schemaName(ref) {
  return ref.startsWith(SCHEMA_PREFIX) ? ref.slice(SCHEMA_PREFIX.length) : ref;
}

function schemaLink(name) {
  return el("a", { href: "#schema-" + name, class: "ref" }, name);
}

/** A short inline description of a schema: a link to a named one, or its type. */
function typeOf(schema) {
  if (schema === true || schema === undefined) return "any";
  if (schema === false) return "nothing";
  if (schema.$ref) return schemaLink(schemaName(schema.$ref));
  if (schema.allOf && schema.allOf.length === 1 && !schema.properties) return typeOf(schema.allOf[0]);
  if (schema.const !== undefined) return el("code", {}, JSON.stringify(schema.const));
  if (schema.enum) return el("span", {}, "one of ", schema.enum.map((v, i) => [i ? ", " : "", el("code", {}, JSON.stringify(v))]));
  const alternatives = schema.anyOf || schema.oneOf;
  if (alternatives) return el("span", {}, alternatives.map((s, i) => [i ? " | " : "", typeOf(s)]));
  let type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "object";
  if (type === "array" || (Array.isArray(schema.type) && schema.type.includes("array"))) {
    return el("span", {}, type.replace("array", "array of "), typeOf(schema.items));
  }
  const limits = [];
  if (schema.format) limits.push(schema.format);
  if (schema.minLength !== undefined) limits.push("≥ " + schema.minLength + " chars");
  if (schema.maxLength !== undefined) limits.push("≤ " + schema.maxLength + " chars");
  if (schema.minimum !== undefined) limits.push("≥ " + schema.minimum);
  if (schema.maximum !== undefined) limits.push("≤ " + schema.maximum);
  return el("span", {}, type, limits.length ? el("span", { class: "limits" }, " (" + limits.join(", ") + ")") : null);
}

/** A table of an object schema's properties. */
function propertiesTable(schema) {
  const required = new Set(schema.required || []);
  const rows = Object.entries(schema.properties || {}).map(([name, prop]) =>
    el("tr", {},
      el("td", {}, el("code", {}, name), required.has(name) ? el("span", { class: "required" }, " required") : null),
      el("td", {}, typeOf(prop)),
      el("td", {}, prop.description || "")));
  if (!rows.length) return null;
  return el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "Type"), el("th", {}, "About"))), el("tbody", {}, rows));
}

/** A schema in full: description, properties, and each variant of a tagged enum. */
function schemaBody(schema) {
  if (typeof schema !== "object") return el("p", {}, typeOf(schema));
  const parts = [];
  if (schema.description) parts.push(el("p", {}, schema.description));
  const table = propertiesTable(schema);
  if (table) parts.push(table);
  const variants = schema.oneOf || schema.anyOf;
  if (variants) {
    parts.push(el("p", {}, "One of:"));
    parts.push(el("ul", {}, variants.map((v) => el("li", {}, v.properties ? [v.description ? el("p", {}, v.description) : null, propertiesTable(v)] : [typeOf(v), v.description ? " — " + v.description : ""]))));
  }
  if (!table && !variants) parts.push(el("p", {}, typeOf(schema)));
  return parts;
}

function parametersTable(parameters) {
  return el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Parameter"), el("th", {}, "In"), el("th", {}, "Type"), el("th", {}, "About"))),
    el("tbody", {}, parameters.map((p) => el("tr", {},
      el("td", {}, el("code", {}, p.name), p.required ? el("span", { class: "required" }, " required") : null),
      el("td", {}, p.in),
      el("td", {}, typeOf(p.schema)),
      el("td", {}, p.description || "")))));
}

function answers(responses) {
  return el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Status"), el("th", {}, "Body"), el("th", {}, "Codes / about"))),
    el("tbody", {}, Object.entries(responses).map(([status, r]) => {
      const content = r.content || {};
      const [media, body] = Object.entries(content)[0] || [];
      const schema = body && body.schema;
      const codes = schema && schema.properties && schema.properties.code && schema.properties.code.enum;
      const headers = Object.keys(r.headers || {});
      return el("tr", { class: Number(status) >= 400 ? "error" : "ok" },
        el("td", {}, el("strong", {}, status)),
        el("td", {}, media ? [typeOf(schema && schema.allOf ? schema.allOf[0] : schema), media !== "application/json" ? " (" + media + ")" : ""] : "none"),
        el("td", {}, codes ? codes.map((c, i) => [i ? ", " : "", el("code", {}, c)]) : r.description || "",
          headers.length ? el("span", { class: "limits" }, " header: " + headers.join(", ")) : null));
    })));
}

function operation(path, method, op) {
  const id = op.operationId || method + path;
  const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  return el("section", { class: "operation", id: "op-" + id },
    el("h3", {}, el("span", { class: "method " + method }, method.toUpperCase()), " ", el("code", {}, path)),
    el("p", {}, op.summary || ""),
    el("p", { class: "who" }, op.description || ""),
    op.parameters ? parametersTable(op.parameters) : null,
    body ? el("p", {}, "Body: ", typeOf(body.schema)) : null,
    answers(op.responses || {}));
}

function render(doc) {
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("intro").replaceChildren(doc.info.description || "", " ", el("a", { href: DOC_URL }, "OpenAPI " + doc.openapi + " document"));
  const byTag = new Map((doc.tags || []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op));
    }
  }
  const content = document.getElementById("content");
  const toc = document.getElementById("toc");
  const tocList = el("ul", {});
  for (const [tag, ops] of byTag) {
    content.append(el("h2", { id: "tag-" + tag }, tag), ...ops);
    tocList.append(el("li", {}, el("a", { href: "#tag-" + tag }, tag)));
  }
  const schemas = Object.entries((doc.components && doc.components.schemas) || {});
  content.append(el("h2", { id: "schemas" }, "Schemas"));
  for (const [name, schema] of schemas.sort(([a], [b]) => a.localeCompare(b))) {
    content.append(el("section", { class: "schema", id: "schema-" + name }, el("h3", {}, name), schemaBody(schema)));
  }
  tocList.append(el("li", {}, el("a", { href: "#schemas" }, "Schemas")));
  toc.replaceChildren(tocList);
  document.body.dataset.rendered = "true";
}

fetch(DOC_URL)
  .then((r) => {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  })
  .then(render)
  .catch((e) => {
    document.getElementById("intro").textContent = "Could not load " + DOC_URL + ": " + e.message;
  });

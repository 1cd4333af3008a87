// The API documentation page: reads /api/v1/openapi.json and lays out every operation and schema.
// Built with DOM calls and textContent only (no HTML from the document is ever parsed), no CDN, no inline script.
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  if (!root) { return; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function refName(ref) { return ref.split("/").pop(); }

  function typeOf(schema) {
    if (!schema) { return ""; }
    if (schema.$ref) { return el("a", { href: "#schema-" + refName(schema.$ref) }, [refName(schema.$ref)]); }
    if (schema.anyOf) {
      var span = el("span");
      schema.anyOf.forEach(function (s, i) {
        if (i) { span.appendChild(document.createTextNode(" | ")); }
        var t = typeOf(s);
        span.appendChild(typeof t === "string" ? document.createTextNode(t) : t);
      });
      return span;
    }
    if (schema.type === "array") {
      var inner = typeOf(schema.items);
      var wrap = el("span", {}, ["array of "]);
      wrap.appendChild(typeof inner === "string" ? document.createTextNode(inner) : inner);
      return wrap;
    }
    var text = schema.type || "object";
    if (schema.format) { text += " (" + schema.format + ")"; }
    if (schema.enum) { text += ": " + schema.enum.join(" | "); }
    if (schema.const !== undefined) { text += ": " + schema.const; }
    return text;
  }

  function cell(content) {
    var td = el("td");
    td.appendChild(typeof content === "string" ? document.createTextNode(content) : content);
    return td;
  }

  function table(headers, rows) {
    var t = el("table", {}, [el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", {}, [h]); }))])]);
    var body = el("tbody");
    rows.forEach(function (r) { body.appendChild(el("tr", {}, r.map(cell))); });
    t.appendChild(body);
    return el("div", { "class": "table-wrap" }, [t]);
  }

  function operation(path, method, op) {
    var section = el("section", { "class": "card", id: op.operationId || (method + path) }, [
      el("h3", {}, [el("code", {}, [method.toUpperCase() + " " + path])]),
      el("p", {}, [op.summary || ""])
    ]);
    if (op.description) { section.appendChild(el("p", { "class": "muted" }, [op.description])); }
    if (op.security && op.security.length === 0) { section.appendChild(el("p", {}, ["No token needed."])); }
    var params = op.parameters || [];
    if (params.length) {
      section.appendChild(table(["parameter", "in", "type", "required", "description"], params.map(function (p) {
        return [p.name, p["in"], typeOf(p.schema), p.required ? "yes" : "", p.description || ""];
      })));
    }
    var body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (body) {
      var line = el("p", {}, ["JSON body: "]);
      var t = typeOf(body.schema);
      line.appendChild(typeof t === "string" ? document.createTextNode(t) : t);
      section.appendChild(line);
    }
    var responses = op.responses || {};
    section.appendChild(table(["status", "description", "body"], Object.keys(responses).map(function (code) {
      var r = responses[code];
      var content = r.content && r.content["application/json"];
      return [code, r.description || "", content ? typeOf(content.schema) : ""];
    })));
    return section;
  }

  function schemaSection(name, schema) {
    var required = schema.required || [];
    var props = schema.properties || {};
    var section = el("section", { "class": "card", id: "schema-" + name }, [el("h3", {}, [name])]);
    if (schema.description) { section.appendChild(el("p", { "class": "muted" }, [schema.description])); }
    section.appendChild(table(["field", "type", "required", "description"], Object.keys(props).map(function (k) {
      return [k, typeOf(props[k]), required.indexOf(k) >= 0 ? "yes" : "", props[k].description || ""];
    })));
    return section;
  }

  fetch(root.getAttribute("data-spec"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (spec) {
      root.textContent = "";
      root.appendChild(el("p", {}, [spec.info.title + " " + spec.info.version + " · OpenAPI " + spec.openapi]));
      (spec.info.description || "").split("\n\n").forEach(function (para) {
        root.appendChild(el("p", { "class": "muted" }, [para]));
      });
      var byTag = {};
      Object.keys(spec.paths).forEach(function (path) {
        Object.keys(spec.paths[path]).forEach(function (method) {
          var op = spec.paths[path][method];
          var tag = (op.tags && op.tags[0]) || "other";
          (byTag[tag] = byTag[tag] || []).push([path, method, op]);
        });
      });
      Object.keys(byTag).sort().forEach(function (tag) {
        root.appendChild(el("h2", {}, [tag]));
        byTag[tag].forEach(function (item) { root.appendChild(operation(item[0], item[1], item[2])); });
      });
      root.appendChild(el("h2", {}, ["schemas"]));
      var schemas = (spec.components && spec.components.schemas) || {};
      Object.keys(schemas).sort().forEach(function (name) { root.appendChild(schemaSection(name, schemas[name])); });
    })
    .catch(function (error) { root.textContent = "OpenAPI document could not be loaded: " + error; });
}());

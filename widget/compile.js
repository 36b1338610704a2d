/*
 * Compiles the widget's Python modules to JavaScript with Brython's own compiler, once, at
 * build time (`rendezvous build-assets` runs it when node is on PATH), so the visitor's browser
 * never compiles: that was 250–350 ms of a first visit.
 *
 *   node widget/compile.js < {"brython": "/path/brython.js", "modules": {name: [source, is_package]}}
 *   → {name: {"js": "...", "imports": ["..."], "namespace": "locals_..."}} on stdout
 *
 * brython.js expects a browser; it only reads a few globals while it starts, given here.
 */
"use strict";

const fs = require("fs");
const vm = require("vm");

function browserLike() {
  const noop = () => {};
  const element = () => ({
    setAttribute: noop, appendChild: noop, addEventListener: noop, style: {},
    getElementsByTagName: () => [], querySelectorAll: () => [],
  });
  const location = { href: "https://build.invalid/", protocol: "https:", origin: "https://build.invalid", pathname: "/" };
  const document = {
    getElementsByTagName: () => [], querySelectorAll: () => [], createElement: element,
    addEventListener: noop, currentScript: { src: "https://build.invalid/brython.js" },
    documentElement: element(), head: element(), body: element(), readyState: "complete", location,
  };
  const win = {
    document, location, navigator: { userAgent: "node", language: "en" },
    addEventListener: noop, setTimeout, clearTimeout, console: { log: noop, info: noop, warn: console.warn, error: console.error },
    performance: { now: () => 0 }, URL, URLSearchParams, TextEncoder, TextDecoder,
  };
  win.window = win;
  win.self = win;
  return vm.createContext(win);
}

function main() {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const context = browserLike();
  vm.runInContext(fs.readFileSync(request.brython, "utf8"), context, { filename: "brython.js" });
  const B = context.__BRYTHON__;
  const out = {};
  for (const name of Object.keys(request.modules).sort()) {
    const [source, isPackage] = request.modules[name];
    const filename = "VFS." + name + (isPackage ? "/__init__.py" : ".py");
    B.url2name[filename] = name; // as Brython's importer does: the module's name in its code
    const root = B.py2js({ src: source, filename, imported: true }, name, name, B.builtins_scope);
    out[name] = {
      js: root.to_js(),
      imports: Object.keys(root.imports || {}),
      namespace: "locals_" + B.scope_name(name), // as the importer names it (loaders.js)
    };
  }
  process.stdout.write(JSON.stringify(out));
}

main();

// Unit tests of the loader's pure parts (node --test); mounting is tested in Chromium.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const loader = require("./embed.js");

test("a link's data-src gives the API base and the slug", () => {
  const target = loader.parseSrc("https://app.example/meetings/alice-martin/demo");
  assert.equal(target.apiBase, "https://app.example/api/v1/public");
  assert.equal(target.slug, "alice-martin/demo");
  assert.equal(target.manageToken, undefined);
});

test("a relative data-src resolves against the page", () => {
  const target = loader.parseSrc("/meetings/bob/intro/", "http://127.0.0.1:5000/landing");
  assert.equal(target.apiBase, "http://127.0.0.1:5000/api/v1/public");
  assert.equal(target.slug, "bob/intro");
});

test("a manage URL gives the token, not a slug", () => {
  const target = loader.parseSrc("https://app.example/meetings/manage/Ab_c-1");
  assert.equal(target.manageToken, "Ab_c-1");
  assert.equal(target.slug, undefined);
});

test("anything that is not a meetings URL is refused", () => {
  for (const src of ["", "javascript:alert(1)", "https://app.example/other/x", "ftp://a/meetings/x/y"]) {
    assert.equal(loader.parseSrc(src, "https://page.example/"), null, src);
  }
});

test("the built files' paths are taken at the app's origin, that of the data-src", () => {
  const origin = loader.parseSrc("https://book.example/meetings/alice/demo").origin;
  const urls = loader.assetUrls(
    { brython_js: "/widget/static/build/brython.1a2b.js", widget_css: "/widget/static/build/widget.3c.css" },
    origin,
  );
  assert.deepEqual(urls, {
    brython_js: "https://book.example/widget/static/build/brython.1a2b.js",
    widget_css: "https://book.example/widget/static/build/widget.3c.css",
  });
  // an address that is already whole (a server giving URLs) is kept as it is
  assert.equal(
    loader.assetUrls({ widget_js: "https://cdn.example/w.js" }, origin).widget_js,
    "https://cdn.example/w.js",
  );
});

test("prefill prefers data attributes, then the page's URL parameters", () => {
  const prefill = loader.prefillFrom(
    { firstName: "Ada", email: "" },
    "?first_name=Grace&last_name=Hopper&email=g%40example.com",
  );
  assert.deepEqual(prefill, { first_name: "Ada", last_name: "Hopper", email: "g@example.com" });
});

test("prefill values are capped in length", () => {
  const prefill = loader.prefillFrom({ email: "x".repeat(1000) }, "");
  assert.equal(prefill.email.length, 254);
});

test("only utm_* parameters of the host page are kept", () => {
  const utm = loader.utmFrom("?utm_source=news&utm_campaign=fall&ref=abc&utm_evil=1");
  assert.deepEqual(utm, { utm_source: "news", utm_campaign: "fall" });
});

test("eval is allowed in node, as on a page without a strict CSP", () => {
  assert.equal(loader.evalAllowed(), true);
});

test("the JS API's prefill overrides the page's, with the same keys and cap", () => {
  const page = loader.prefillFrom({ firstName: "Ada" }, "?last_name=Lovelace&email=a%40example.com");
  const prefill = loader.withPrefill(page, { email: "x".repeat(300), first_name: "", phone: "1" });
  assert.deepEqual(Object.keys(prefill).sort(), ["email", "first_name", "last_name"]);
  assert.equal(prefill.first_name, "Ada"); // an empty value doesn't erase the page's
  assert.equal(prefill.last_name, "Lovelace");
  assert.equal(prefill.email.length, 254);
});

test("without API prefill, the page's prefill is kept as it is", () => {
  const page = loader.prefillFrom({}, "?first_name=Grace");
  assert.deepEqual(loader.withPrefill(page, undefined), page);
});

test("the JS API's utm overrides the page's utm_* and adds only the five keys", () => {
  const page = loader.utmFrom("?utm_source=page&utm_medium=mail");
  const utm = loader.withUtm(page, { utm_source: "api", utm_term: "y".repeat(500), ref: "no" });
  assert.deepEqual(Object.keys(utm).sort(), ["utm_medium", "utm_source", "utm_term"]);
  assert.equal(utm.utm_source, "api");
  assert.equal(utm.utm_medium, "mail");
  assert.equal(utm.utm_term.length, 200);
});

test("colours are read from hex and rgb() notations only", () => {
  assert.deepEqual(loader.parseColor("#2f6fed"), [47, 111, 237]);
  assert.deepEqual(loader.parseColor("#FFF"), [255, 255, 255]);
  assert.deepEqual(loader.parseColor("#0008"), [0, 0, 0]);
  assert.deepEqual(loader.parseColor("rgb(11, 122, 75)"), [11, 122, 75]);
  assert.deepEqual(loader.parseColor("rgba(1 2 3 / 50%)"), [1, 2, 3]);
  for (const bad of ["", "gold", "#12", "url(x)", null]) assert.equal(loader.parseColor(bad), null, bad);
});

test("contrast ratios follow WCAG 2", () => {
  assert.equal(loader.contrast([0, 0, 0], [255, 255, 255]), 21);
  assert.equal(loader.contrast([120, 120, 120], [120, 120, 120]), 1);
});

test("the badge's default text is white on dark colours and near-black on light ones", () => {
  assert.equal(loader.textColorOn("#2f6fed"), "#ffffff"); // the default blue
  assert.equal(loader.textColorOn("rgb(11, 122, 75)"), "#ffffff");
  assert.equal(loader.textColorOn("#ffd400"), "#1f2328");
  assert.equal(loader.textColorOn("#ffffff"), "#1f2328");
});

test("an unreadable badge colour gets the default blue's text colour", () => {
  assert.equal(loader.textColorOn("not a colour"), "#ffffff");
});

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

/*!
 * Rendezvous embed loader: the booking widget on any page, with no iframe, in three ways
 * (SPEC §7 E2, E4), each in its own shadow root:
 *
 *   inline  <div class="rendezvous-embed" data-src="https://APP/meetings/alice-martin/demo"></div>
 *   popup   <button data-rendezvous-popup="https://APP/meetings/alice-martin/demo">Book</button>
 *   badge   <script src="…/embed.js" data-rendezvous-badge="https://APP/meetings/…"></script>
 *
 *   <script src="https://APP/embed/v1/embed.js" async></script>
 *
 * It loads the Brython runtime and the widget once per page (reusing a Brython the page
 * already has, never running the page's own Python), mounts placeholders and popup triggers
 * added later too (MutationObserver, and event delegation on document), and dispatches
 * `rendezvous:ready`, `rendezvous:booked`… on each placeholder (on the popup's host element
 * for the popup), bubbling to document. `window.Rendezvous` is the JS API: `inline({url,
 * element, prefill, utm})`, `popup({url, prefill, utm})`, `close()`; `rendezvous:loaded` on
 * document says it is there. When the page's Content-Security-Policy forbids eval (Brython
 * needs it), a placeholder shows a plain link to the hosted booking page instead, and the
 * popup and the badge open that page in a new tab.
 */
(function (root, factory) {
  "use strict";
  var api = factory(root);
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else if (root && root.document) {
    api.start(root);
  }
})(typeof window !== "undefined" ? window : undefined, function () {
  "use strict";

  // Replaced by the server that serves this file with the built files' paths ({brython_js,
  // widget_js, widget_css…}), which are taken at the app's origin (`assetUrls`); left as it
  // is in the npm package, whose loader asks the app for them (ASSETS_PATH).
  var ASSETS = /*__RENDEZVOUS_ASSETS__*/null;
  var ASSETS_PATH = "/embed/v1/assets.json";
  var SELECTOR = ".rendezvous-embed[data-src]";
  var TRIGGER = "[data-rendezvous-popup]";
  var PREFILL = ["first_name", "last_name", "email"];
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var BADGE_COLOR = "#2f6fed";
  var DARK_TEXT = "#1f2328"; // the widget's own text colour
  var VERSION = "1";

  /** `https://app/meetings/alice/demo` → where the API is and which link or booking. */
  function parseSrc(src, base) {
    var url;
    try {
      url = new URL(src, base);
    } catch (e) {
      return null;
    }
    var match = url.pathname.match(/^\/meetings\/(.+?)\/?$/);
    if (!match || (url.protocol !== "https:" && url.protocol !== "http:")) return null;
    var result = { origin: url.origin, apiBase: url.origin + "/api/v1/public", href: url.href };
    var manage = match[1].match(/^manage\/([^/]+)$/);
    if (manage) {
      result.manageToken = decodeURIComponent(manage[1]);
    } else {
      result.slug = match[1];
    }
    return result;
  }

  /** The built files' paths, as the server gives them, → their URLs at the app's `origin`. */
  function assetUrls(paths, origin) {
    var urls = {};
    Object.keys(paths || {}).forEach(function (name) {
      urls[name] = new URL(paths[name], origin + "/").href;
    });
    return urls;
  }

  /** Prefill from `data-first-name`… on the placeholder, else the page's `?first_name=`… */
  function prefillFrom(dataset, search) {
    var params = new URLSearchParams(search || "");
    var prefill = {};
    PREFILL.forEach(function (key) {
      var camel = key.replace(/_([a-z])/g, function (_, c) { return c.toUpperCase(); });
      var value = (dataset && dataset[camel]) || params.get(key) || "";
      prefill[key] = String(value).slice(0, 254);
    });
    return prefill;
  }

  /** The host page's `utm_*` parameters, sent with the booking. */
  function utmFrom(search) {
    var params = new URLSearchParams(search || "");
    var utm = {};
    UTM.forEach(function (k) {
      var value = params.get(k);
      if (value) utm[k] = value.slice(0, 200);
    });
    return utm;
  }

  function given(value) {
    return value != null && value !== "";
  }

  /** The JS API's `prefill` over what the page gave: the same three keys, the same cap. */
  function withPrefill(prefill, over) {
    var result = {};
    PREFILL.forEach(function (key) {
      var value = over && given(over[key]) ? over[key] : (prefill && prefill[key]) || "";
      result[key] = String(value).slice(0, 254);
    });
    return result;
  }

  /** The JS API's `utm` over the page's `utm_*`: only those five keys, the same cap. */
  function withUtm(utm, over) {
    var result = {};
    UTM.forEach(function (key) {
      var value = over && given(over[key]) ? over[key] : utm && utm[key];
      if (given(value)) result[key] = String(value).slice(0, 200);
    });
    return result;
  }

  /** [r, g, b] of `#rgb`, `#rrggbb` (alpha ignored) or `rgb()`; null for anything else. */
  function parseColor(value) {
    var text = String(value || "").trim().toLowerCase();
    var hex = text.match(/^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/);
    if (hex) {
      var digits = hex[1].length < 6 ? hex[1].replace(/./g, "$&$&") : hex[1];
      return [0, 2, 4].map(function (i) { return parseInt(digits.slice(i, i + 2), 16); });
    }
    var rgb = text.match(/^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/);
    if (!rgb) return null;
    return [1, 2, 3].map(function (i) { return Math.min(255, Math.round(Number(rgb[i]))); });
  }

  /** WCAG 2 contrast ratio of two [r, g, b]. */
  function contrast(a, b) {
    function luminance(rgb) {
      var c = rgb.map(function (v) {
        v /= 255;
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /** The badge's text colour when none is given: white or near-black, whichever reads better. */
  function textColorOn(background) {
    var rgb = parseColor(background) || parseColor(BADGE_COLOR);
    return contrast(rgb, [255, 255, 255]) >= contrast(rgb, parseColor(DARK_TEXT)) ? "#ffffff" : DARK_TEXT;
  }

  /** Whether this page lets scripts evaluate code (Brython compiles Python to JS at run time). */
  function evalAllowed() {
    try {
      return new Function("return 1")() === 1; // eslint-disable-line no-new-func
    } catch (e) {
      return false;
    }
  }

  /*
   * The built widget is compiled to JavaScript at build time (widget/compile.js). A bundle
   * built where node was missing carries its Python, which Brython compiles on every page
   * load (about two thirds of a warm start): then the compiled modules are kept in the page's localStorage, under the widget
   * file's hashed URL so a new build never reuses an old compile, and handed back to Brython
   * before the import. Storage that is full or forbidden just means compiling again.
   */
  var CACHE_PREFIX = "rendezvous:";

  function restoreCompiled(win, widgetUrl) {
    try {
      var kept = JSON.parse(win.localStorage.getItem(CACHE_PREFIX + widgetUrl));
      if (!kept) return false;
      Object.keys(kept).forEach(function (name) { win.__BRYTHON__.precompiled[name] = kept[name]; });
      return true;
    } catch (e) {
      return false;
    }
  }

  function keepCompiled(win, widgetUrl) {
    try {
      var compiled = win.__BRYTHON__.precompiled || {};
      var modules = {};
      Object.keys(compiled).forEach(function (name) {
        if (name === "rendezvous_widget" || name.indexOf("rendezvous_widget.") === 0) {
          modules[name] = compiled[name];
        }
      });
      for (var i = win.localStorage.length - 1; i >= 0; i--) {
        var key = win.localStorage.key(i);
        if (key && key.indexOf(CACHE_PREFIX) === 0) win.localStorage.removeItem(key);
      }
      win.localStorage.setItem(CACHE_PREFIX + widgetUrl, JSON.stringify(modules));
    } catch (e) {
      /* full or forbidden: the next visit compiles again */
    }
  }

  var RAN_KEY = "rendezvous-ran"; // (not under CACHE_PREFIX: keepCompiled clears that)

  /** Whether this page ran exactly these runtime files before (their names carry a hash). */
  function ranBefore(win, files) {
    try {
      return win.localStorage.getItem(RAN_KEY) === files.join(" ");
    } catch (e) {
      return false; // no storage here: every visit counts as a first one
    }
  }

  function ranNow(win, files) {
    try {
      win.localStorage.setItem(RAN_KEY, files.join(" "));
    } catch (e) {
      /* full or forbidden */
    }
  }

  /** YYYY-MM-DD of today in `zone`, and of `days` later. */
  function localDates(win, zone, days) {
    var parts = {};
    new win.Intl.DateTimeFormat("en-US", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    var today = parts.year + "-" + parts.month + "-" + parts.day;
    var later = new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day + days));
    return [today, later.toISOString().slice(0, 10)];
  }

  /**
   * The widget's first view in one request, started before Brython loads: the link, ten weeks
   * of slots in the visitor's zone, and the server's HTML of the first month (the widget's own
   * markup), shown at once. Once it is in, `answers` holds the text of the widget's first two
   * GETs by their URL; the widget reads them at once, without a request, only when a URL is
   * exactly the one it would fetch, so a mismatch costs a request, never a bug. When the first
   * view fails, those GETs go to the network.
   */
  function preload(win, target) {
    if (!target.slug || !win.fetch || !win.Intl) return null;
    try {
      var zone = win.Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
      var dates = localDates(win, zone, 69);
      var config = target.apiBase + "/links/" + target.slug;
      var query = "?start=" + dates[0] + "&end=" + dates[1] + "&timezone=" + encodeURIComponent(zone);
      var answers = {};
      var view = win.fetch(config + "/first-view" + query, {
        headers: { Accept: "application/json" },
      }).then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      }).then(function (data) {
        answers[config] = JSON.stringify(data.link);
        answers[config + "/slots" + query] = JSON.stringify(data.slots);
        return data;
      });
      view.catch(function () {});
      return { answers: answers, view: view };
    } catch (e) {
      return null;
    }
  }

  /**
   * The server's first view in the placeholder until the widget takes it over. A day clicked
   * (or chosen with Enter) meanwhile is marked and handed to the widget, which opens it.
   */
  function paint(container, data, options, state) {
    container.innerHTML = data.html.split("__RDV__").join(options.id);
    (data.theme || []).forEach(function (pair) { container.style.setProperty(pair[0], pair[1]); });
    if (data.link && data.link.language) container.setAttribute("lang", data.link.language);
    container.classList.remove("rdv-loading");
    options.painted = true;
    function choose(event) {
      if (state.started || !event.target.closest) return;
      var day = event.target.closest("td[data-date]");
      if (!day || day.getAttribute("aria-disabled") === "true") return;
      if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
      if (event.type === "keydown") event.preventDefault();
      Array.prototype.forEach.call(container.querySelectorAll("td[aria-selected]"), function (td) {
        td.removeAttribute("aria-selected");
      });
      day.setAttribute("aria-selected", "true");
      options.day = day.getAttribute("data-date");
    }
    container.addEventListener("click", choose);
    container.addEventListener("keydown", choose);
  }

  /** `data-theme="light|dark"` (else the visitor's preference) and `data-borderless`. */
  function themeFrom(placeholder, container) {
    var theme = placeholder.getAttribute("data-theme");
    if (theme === "light" || theme === "dark") container.setAttribute("data-theme", theme);
    if (placeholder.hasAttribute("data-borderless")) container.setAttribute("data-borderless", "");
  }

  /** A User Timing mark (`rendezvous:runtime`, …): where a page's load time goes. */
  function mark(win, name) {
    try {
      win.performance.mark("rendezvous:" + name);
    } catch (e) {
      /* no User Timing: nothing to measure */
    }
  }

  /** Download a script without running it (resolves either way: the script tag reports). */
  function prefetch(doc, src) {
    return new Promise(function (resolve) {
      var link = doc.createElement("link");
      if (!(link.relList && link.relList.supports && link.relList.supports("preload"))) {
        resolve();
        return;
      }
      link.rel = "preload";
      link.as = "script";
      link.href = src;
      link.onload = link.onerror = function () { resolve(); };
      (doc.head || doc.documentElement).appendChild(link);
    });
  }

  /**
   * How long the runtime, once downloaded, waits for the first view to be on screen: running
   * Brython holds the page for ~150 ms, so a first view due shortly is painted first (a
   * visitor sees the month that much sooner, and the widget is ready about as soon).
   */
  var PAINT_GRACE_MS = 80;

  function later(win, ms) {
    return new Promise(function (resolve) { win.setTimeout(resolve, ms); });
  }

  /** After the browser has drawn the frame it is working on (the first view on screen). */
  function drawn(win) {
    return new Promise(function (resolve) {
      if (!win.requestAnimationFrame) return resolve();
      win.requestAnimationFrame(function () { win.setTimeout(resolve, 0); });
    });
  }

  function loadScript(doc, src, ordered) {
    return new Promise(function (resolve, reject) {
      var script = doc.createElement("script");
      script.src = src;
      script.async = !ordered;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      (doc.head || doc.documentElement).appendChild(script);
    });
  }

  function start(win) {
    var doc = win.document;
    if (win.Rendezvous && win.Rendezvous.version) return win.Rendezvous; // loaded twice
    var assets = null; // the built files' URLs, once the app's origin is known (`appAt`)
    var asking = null; // the npm loader's request for their paths, once per page
    var unstyled = []; // stylesheets placed while that request was out
    var runtime = null; // one promise per page: Brython + the widget, loaded once
    var mounted = 0; // widgets on this page, for their element ids

    var downloads = null; // the runtime's files, asked for once per page

    /**
     * The built files at `origin`, the app's: that of the first widget's data-src (or badge
     * URL). This file, as the app serves it, has their paths written in, so nothing more is
     * asked for; the npm package's copy has none and asks the app for them, once per page.
     */
    function appAt(origin) {
      if (assets || asking) return;
      if (ASSETS) {
        assets = assetUrls(ASSETS, origin);
        return;
      }
      if (!win.fetch) return;
      asking = win.fetch(origin + ASSETS_PATH, { credentials: "omit" }).then(function (response) {
        if (!response.ok) throw new Error("Rendezvous: " + ASSETS_PATH + " answered " + response.status);
        return response.json();
      }).then(function (paths) {
        assets = assetUrls(paths, origin);
        unstyled.forEach(function (css) { css.href = assets.widget_css; });
        unstyled = [];
        if (states.length && evalAllowed()) download();
      }, function (error) {
        unstyled.forEach(function (css) { css.dispatchEvent(new win.Event("error")); });
        unstyled = [];
        throw error;
      });
      asking.catch(function () {});
    }

    /**
     * The files Brython and the widget need, downloading; null when none are. On a return
     * visit (this page ran these very files before, so they are in the browser's cache) they
     * run as soon as they are read, without the detour through a preload; else they are only
     * downloaded, and `loadRuntime` says when they run.
     */
    function download() {
      if (downloads || !assets || win.__rendezvous_mount__) return downloads;
      var files = [];
      if (!(win.__BRYTHON__ && win.__BRYTHON__.runPythonSource)) {
        // the runtime comes in pieces (brython_js, brython_2_js, …): the page paints between
        for (var n = 1; assets[n === 1 ? "brython_js" : "brython_" + n + "_js"]; n++) {
          files.push(assets[n === 1 ? "brython_js" : "brython_" + n + "_js"]);
        }
      }
      files.push(assets.widget_js);
      var again = ranBefore(win, files);
      downloads = {
        files: files,
        running: again,
        done: Promise.all(files.map(function (src) {
          return again ? loadScript(doc, src, true) : prefetch(doc, src);
        })),
      };
      return downloads;
    }

    /**
     * Brython and the widget, once per page. Both download at once, as early as a widget is
     * placed (before the first view is even asked for), and run in order (async = false). They
     * run once the first view is on screen, or `PAINT_GRACE_MS` after they are in if it is
     * not by then: running Brython holds the page for a while, and a first view that arrives
     * meanwhile is painted before, not after it.
     */
    function loadRuntime(painted) {
      if (runtime) return runtime;
      runtime = (asking || Promise.resolve()).then(function () {
        if (!assets) throw new Error("Rendezvous: asset manifest missing");
        if (win.__rendezvous_mount__) return null;
        var files = download();
        if (files.running) return files.done;
        var waited = files.done.then(function () {
          return painted ? later(win, PAINT_GRACE_MS) : null;
        });
        return Promise.race([painted || waited, waited]).then(function () {
          return Promise.all(files.files.map(function (src) { return loadScript(doc, src, true); }));
        });
      }).then(function () {
        mark(win, "runtime");
        if (downloads) ranNow(win, downloads.files);
        if (win.__rendezvous_mount__) return;
        // A bundle built without node carries Python sources: the compile is kept for next time.
        var built = !!win.__BRYTHON__.precompiled.rendezvous_widget;
        var cached = built || restoreCompiled(win, assets.widget_js);
        if (built) {
          // the runtime may have no compiler: import without compiling a line
          var B = win.__BRYTHON__;
          try {
            B.$__import__("rendezvous_widget", B.builtins.None, {}, []);
          } catch (error) {
            if (B.handle_error) B.handle_error(B.exception(error));
            throw error;
          }
        } else {
          win.__BRYTHON__.runPythonSource("import rendezvous_widget", { id: "rendezvous_boot" });
        }
        if (!win.__rendezvous_mount__) throw new Error("Rendezvous: widget did not start");
        mark(win, "imported");
        if (!cached) win.setTimeout(function () { keepCompiled(win, assets.widget_js); }, 2500);
      });
      return runtime;
    }

    /** A link to the hosted page, under the host's name, photo and title when they are in. */
    function fallback(container, placeholder, href, data) {
      container.textContent = "";
      container.removeAttribute("aria-busy");
      var where = container;
      if (data && data.html) {
        container.innerHTML = data.html.split("__RDV__").join("rdv-fallback");
        (data.theme || []).forEach(function (p) { container.style.setProperty(p[0], p[1]); });
        container.classList.remove("rdv-loading");
        where = container.querySelector(".rdv-body") || container;
        where.textContent = "";
      }
      var link = doc.createElement("a");
      link.href = href;
      link.className = "rdv-fallback";
      link.textContent = placeholder.getAttribute("data-fallback-text") || "Book a meeting";
      link.target = "_blank";
      link.rel = "noopener";
      where.appendChild(link);
    }

    function emit(placeholder, name, detail) {
      var event = new win.CustomEvent("rendezvous:" + name, {
        detail: detail == null ? null : detail,
        bubbles: true,
        composed: true,
      });
      placeholder.dispatchEvent(event);
    }

    /** The widget's stylesheet, first in a shadow root, from the app at `origin`. */
    function addStyles(shadow, origin) {
      appAt(origin);
      if (assets ? !assets.widget_css : !asking) return null;
      var css = doc.createElement("link");
      css.rel = "stylesheet";
      if (assets) css.href = assets.widget_css;
      else unstyled.push(css); // (its href comes with the paths)
      shadow.appendChild(css);
      return css;
    }

    var states = []; // every widget still on the page, for the CSP fallback
    var evalBlocked = false; // the page's CSP said no to eval after all

    /**
     * The one way a widget starts, for inline placeholders, the popup and the JS API alike: a
     * root in `parent` (a shadow root, or a box inside one), the first view, the runtime, and
     * the widget. Its events go to `host`, which is in the page's DOM, so they reach
     * `document`. `overrides`: `source` (the element whose data-first-name…, data-theme and
     * data-fallback-text count; else `host`), `prefill` and `utm` (over the page's), `theme`.
     */
    function mountInto(host, parent, src, overrides) {
      var target = parseSrc(src, doc.baseURI);
      if (!target) return null;
      appAt(target.origin);
      overrides = overrides || {};
      var source = overrides.source || host;
      var container = doc.createElement("div");
      container.className = "rdv-root rdv-loading";
      container.setAttribute("aria-busy", "true");
      themeFrom(source, container);
      if (overrides.theme === "light" || overrides.theme === "dark") {
        container.setAttribute("data-theme", overrides.theme);
      }
      parent.appendChild(container);
      var state = { container: container, target: target, host: host, source: source };
      states = states.filter(function (s) { return !s.retired; });
      states.push(state);

      if (evalAllowed()) download(); // before the first view: that one waits for the zone
      var early = preload(win, target);
      state.view = early && early.view;
      if (early) early.view.then(function (data) { state.data = data; }, function () {});
      if (!evalAllowed()) {
        fallback(container, source, target.href);
        state.fallback = true;
        if (early) early.view.then(function (data) { fallback(container, source, target.href, data); }, function () {});
        return state;
      }
      var options = {
        id: "rdv" + ++mounted,
        later: null, // the form and other views, when idle (set as the widget starts)
        preload: early && early.answers,
        apiBase: target.apiBase,
        slug: target.slug || null,
        manageToken: source.getAttribute("data-manage-token") || target.manageToken || null,
        pageUrl: target.href,
        prefill: withPrefill(prefillFrom(source.dataset, win.location.search), overrides.prefill),
        utm: withUtm(utmFrom(win.location.search), overrides.utm),
        emit: function (name, detail) { if (!state.retired) emit(host, name, detail); },
      };
      // The widget starts once its first view is settled, so it takes the painted one over
      // rather than drawing its own (its first two GETs wait for that answer anyway). Brython
      // runs once that view is on screen (`shown`); when Brython is in first, the widget
      // starts in the same task as the paint, without waiting for a frame.
      var viewed = early ? early.view.then(function (data) {
        if (!state.started && !state.fallback && !state.retired) paint(container, data, options, state);
      }, function () {}) : null;
      var shown = viewed && viewed.then(function () { return drawn(win); });
      state.ready = Promise.all([loadRuntime(shown), viewed]).then(function () {
        if (state.retired) return; // remounted meanwhile: the new widget is the one to start
        state.started = true;
        mark(win, "mount");
        options.later = assets.widget_later_js || null;
        win.__rendezvous_mount__(container, options);
      }).catch(function (error) {
        if (win.console) win.console.error(error);
        fallback(container, source, target.href, state.data);
        state.fallback = true;
      });
      return state;
    }

    /**
     * A placeholder's widget, in the placeholder's shadow root (E2). Once per placeholder,
     * unless `overrides.again` (the JS API mounting it with other options): then the old
     * widget is dropped and a new one takes its place.
     */
    function mount(placeholder, overrides) {
      if (!placeholder) return null;
      overrides = overrides || {};
      var current = placeholder.__rendezvous;
      if (current && !overrides.again) return current;
      var src = overrides.url || placeholder.getAttribute("data-src");
      var target = parseSrc(src, doc.baseURI);
      if (!target) return null;
      var shadow = placeholder.shadowRoot || placeholder.attachShadow({ mode: "open" });
      if (current) current.retired = true;
      shadow.textContent = "";
      addStyles(shadow, target.origin);
      var state = mountInto(placeholder, shadow, src, overrides);
      placeholder.__rendezvous = state;
      return state;
    }

    /** `Rendezvous.inline({url, element, prefill, utm, theme})`: a widget in `element`. */
    function inline(settings) {
      settings = settings || {};
      var element = settings.element;
      if (typeof element === "string") element = doc.querySelector(element);
      if (!element || element.nodeType !== 1) {
        throw new Error("Rendezvous.inline: no element " + settings.element);
      }
      var src = settings.url || element.getAttribute("data-src");
      if (!parseSrc(src, doc.baseURI)) throw new Error("Rendezvous.inline: not a meeting link: " + src);
      var host = element.__rendezvousHost || element;
      if (!host.shadowRoot) {
        try {
          host.attachShadow({ mode: "open" });
        } catch (e) {
          // an element that can't have a shadow root (<ul>, <td>…) gets a box that can
          host = doc.createElement("div");
          element.appendChild(host);
        }
        element.__rendezvousHost = host;
      }
      mount(host, {
        again: true, url: src, source: element, prefill: settings.prefill, utm: settings.utm,
        theme: settings.theme,
      });
      return element;
    }

    // -- the popup (E4): one dialog per page, in its own shadow root ------------------------

    var popup = null;
    var TABBABLE = "a[href], area[href], button, input, select, textarea, summary, [tabindex], [contenteditable=''], [contenteditable='true']";
    var SCROLL = ["overflow-x", "overflow-y"];

    function make(tag, className) {
      var el = doc.createElement(tag);
      if (className) el.className = className;
      return el;
    }

    /** The popup's host (`<rendezvous-popup>` at the end of <body>), made on first use. */
    function popupParts(origin) {
      if (popup) {
        if (!popup.host.isConnected) doc.body.appendChild(popup.host); // a page that rebuilt <body>
        return popup;
      }
      var host = make("rendezvous-popup", "rdv-popup-host");
      var shadow = host.attachShadow({ mode: "open" });
      addStyles(shadow, origin);
      var dialog = make("dialog", "rdv-popup");
      dialog.setAttribute("aria-label", "Book a meeting");
      // the card is an .rdv-root: the palette and the dark theme come with it
      var card = make("div", "rdv-root rdv-popup-card");
      var bar = make("div", "rdv-popup-bar");
      var close = make("button", "rdv-popup-close");
      close.type = "button";
      close.setAttribute("aria-label", "Close");
      var cross = make("span");
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "\u00d7";
      close.appendChild(cross);
      // a <section>, so the widget's <header> is its own, not the page's banner landmark
      var body = make("section", "rdv-popup-body");
      bar.appendChild(close);
      card.appendChild(bar);
      card.appendChild(body);
      dialog.appendChild(card);
      shadow.appendChild(dialog);
      popup = {
        host: host, shadow: shadow, dialog: dialog, card: card, body: body, close: close,
        state: null, key: null, opener: null, locked: null,
      };
      close.addEventListener("click", closePopup);
      dialog.addEventListener("close", popupClosed);
      dialog.addEventListener("keydown", trapTab);
      // a click on the backdrop (outside the dialog's box, which the card fills) closes it
      var pressedOutside = false;
      function outside(event) {
        var box = dialog.getBoundingClientRect();
        return event.target === dialog && (event.clientX < box.left || event.clientX > box.right ||
          event.clientY < box.top || event.clientY > box.bottom);
      }
      dialog.addEventListener("mousedown", function (event) { pressedOutside = outside(event); });
      dialog.addEventListener("click", function (event) {
        if (pressedOutside && outside(event)) closePopup();
        pressedOutside = false;
      });
      doc.body.appendChild(host);
      return popup;
    }

    /** The focused element, through open shadow roots (a badge's button, say). */
    function deepActive() {
      var active = doc.activeElement;
      while (active && active.shadowRoot && active.shadowRoot.activeElement) {
        active = active.shadowRoot.activeElement;
      }
      return active === doc.body ? null : active;
    }

    /** The page stays still behind the popup; its own inline overflow comes back after. */
    function lockScroll(p) {
      p.locked = [doc.documentElement, doc.body].map(function (el) {
        var saved = SCROLL.map(function (name) {
          return [name, el.style.getPropertyValue(name), el.style.getPropertyPriority(name)];
        });
        var hadStyle = el.hasAttribute("style");
        el.style.setProperty("overflow", "hidden", "important");
        return { el: el, saved: saved, hadStyle: hadStyle };
      });
    }

    function unlockScroll(p) {
      (p.locked || []).forEach(function (lock) {
        lock.saved.forEach(function (s) {
          if (s[1]) lock.el.style.setProperty(s[0], s[1], s[2]);
          else lock.el.style.removeProperty(s[0]);
        });
        if (!lock.hadStyle && !lock.el.getAttribute("style")) lock.el.removeAttribute("style");
      });
      p.locked = null;
    }

    /** Where Tab stops in the dialog, in order (a radio group stops once). */
    function tabStops(root) {
      return Array.prototype.filter.call(root.querySelectorAll(TABBABLE), function (el) {
        if (el.disabled || el.tabIndex < 0 || el.closest("[inert]") || !el.getClientRects().length) {
          return false;
        }
        if (win.getComputedStyle(el).visibility === "hidden") return false;
        if (el.type === "radio" && el.name) {
          var group = Array.prototype.filter.call(root.querySelectorAll("input[type=radio]"), function (r) {
            return r.name === el.name && !r.disabled;
          });
          var checked = group.filter(function (r) { return r.checked; })[0];
          return el === (checked || group[0]);
        }
        return true;
      });
    }

    /** Tab and Shift+Tab go round the dialog's controls, never out to the page or the browser. */
    function trapTab(event) {
      if (event.key !== "Tab" || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      var stops = tabStops(popup.dialog);
      var active = popup.shadow.activeElement;
      if (!stops.length) {
        event.preventDefault();
        return;
      }
      var first = stops[0];
      var last = stops[stops.length - 1];
      var inside = active && active !== popup.dialog && popup.dialog.contains(active);
      if (event.shiftKey ? (active === first || !inside) : (active === last || !inside)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    }

    /**
     * Open the popup on `src` (opened by `opener`, which gets the focus back). The same link
     * with the same options shows the widget where the visitor left it; another remounts.
     * When the page forbids eval, the hosted page opens in a new tab instead.
     */
    function openPopup(src, overrides, opener) {
      overrides = overrides || {};
      var target = parseSrc(src, doc.baseURI);
      if (!target) return false;
      if (!doc.body) { // the API called from <head>: once there is a page to put it on
        doc.addEventListener("DOMContentLoaded", function () { openPopup(src, overrides, opener); }, { once: true });
        return false;
      }
      if (evalBlocked || !evalAllowed()) {
        win.open(target.href, "_blank", "noopener");
        return false;
      }
      var source = overrides.source;
      var search = win.location.search;
      var settings = {
        source: source,
        prefill: withPrefill(prefillFrom(source && source.dataset, search), overrides.prefill),
        utm: withUtm(utmFrom(search), overrides.utm),
        theme: overrides.theme,
      };
      var theme = overrides.theme || (source && source.getAttribute("data-theme")) || "";
      var key = JSON.stringify([target.href, settings.prefill, settings.utm, theme]);
      var p = popupParts(target.origin);
      if (!p.state || p.key !== key || p.state.fallback) {
        if (p.state) p.state.retired = true;
        p.body.textContent = "";
        var state = mountInto(p.host, p.body, target.href, settings);
        p.state = state;
        p.key = key;
        p.dialog.setAttribute("aria-label", "Book a meeting");
        p.card.removeAttribute("data-theme");
        var chosen = state.container.getAttribute("data-theme");
        if (chosen) p.card.setAttribute("data-theme", chosen);
        if (state.view) {
          state.view.then(function (data) {
            var title = data && data.link && data.link.title;
            if (title && p.state === state) p.dialog.setAttribute("aria-label", title);
          }, function () {});
        }
      }
      if (!p.dialog.open) {
        p.opener = opener || deepActive();
        lockScroll(p);
        p.dialog.showModal();
        p.close.focus();
        emit(p.host, "popup-opened", { url: target.href });
      }
      return true;
    }

    /** `Rendezvous.close()`: closes the popup, if one is open. */
    function closePopup() {
      if (popup && popup.dialog.open) popup.dialog.close();
    }

    /** However it closed (Escape, the button, the backdrop, the API): scroll and focus back. */
    function popupClosed() {
      var p = popup;
      unlockScroll(p);
      var opener = p.opener;
      p.opener = null;
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
      emit(p.host, "popup-closed", { url: p.state && p.state.target.href });
    }

    /** Elements that a click, Enter (and Space for buttons) already activate. */
    function activatesNatively(el) {
      var tag = el.tagName;
      if (tag === "BUTTON" || tag === "SUMMARY") return true;
      if (tag === "A" || tag === "AREA") return el.hasAttribute("href");
      return tag === "INPUT" && /^(button|submit|reset|image)$/i.test(el.type);
    }

    /** The `[data-rendezvous-popup]` element an event happened in (through shadow roots). */
    function triggerOf(event) {
      var path = event.composedPath ? event.composedPath() : [event.target];
      for (var i = 0; i < path.length; i++) {
        var node = path[i];
        if (!node || node === doc) break;
        if (node.nodeType === 1 && node.hasAttribute("data-rendezvous-popup")) return node;
      }
      return null;
    }

    /** A trigger the keyboard can reach and that says it opens a dialog. */
    function prepareTrigger(el) {
      if (!el.hasAttribute("aria-haspopup")) el.setAttribute("aria-haspopup", "dialog");
      if (activatesNatively(el)) return;
      if (!el.hasAttribute("tabindex")) el.tabIndex = 0;
      if (!el.hasAttribute("role")) el.setAttribute("role", "button");
    }

    function openFrom(trigger) {
      return openPopup(trigger.getAttribute("data-rendezvous-popup"), { source: trigger }, trigger);
    }

    // Delegated on document: triggers added at any time work, with no listener of their own.
    doc.addEventListener("click", function (event) {
      var trigger = triggerOf(event);
      if (!trigger || event.button) return;
      // Ctrl/⌘/Shift-click on a link keeps meaning "open it elsewhere"
      if (trigger.closest("a[href]") && (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) return;
      if (!parseSrc(trigger.getAttribute("data-rendezvous-popup"), doc.baseURI)) return;
      event.preventDefault();
      openFrom(trigger);
    });
    doc.addEventListener("keydown", function (event) {
      if ((event.key !== "Enter" && event.key !== " ") || event.repeat) return;
      var trigger = triggerOf(event);
      if (!trigger || activatesNatively(trigger)) return;
      if ((event.composedPath ? event.composedPath()[0] : event.target) !== trigger) return;
      event.preventDefault();
      openFrom(trigger);
    });
    // A pointer over a trigger (or the focus on it) starts the stylesheet and the runtime.
    function warm(event) {
      if (popup && runtime) return;
      var trigger = triggerOf(event);
      if (!trigger || !doc.body || !evalAllowed()) return;
      var target = parseSrc(trigger.getAttribute("data-rendezvous-popup"), doc.baseURI);
      if (!target) return;
      popupParts(target.origin);
      appAt(target.origin);
      loadRuntime().catch(function () {});
    }
    doc.addEventListener("pointerover", warm, { passive: true });
    doc.addEventListener("focusin", warm);

    // -- the badge (E4): a floating button from the loader's own script tag ----------------

    function cssColor(shadow, value) {
      if (!value) return null;
      var probe = doc.createElement("span");
      probe.style.color = value;
      if (!probe.style.color) return null; // not a colour
      shadow.appendChild(probe);
      var computed = win.getComputedStyle(probe).color;
      shadow.removeChild(probe);
      return computed;
    }

    function badge(script) {
      var url = script && script.getAttribute("data-rendezvous-badge");
      var target = url && parseSrc(url, doc.baseURI);
      if (!target) return null;
      var host = make("rendezvous-badge", "rdv-badge-host");
      var shadow = host.attachShadow({ mode: "open" });
      var css = addStyles(shadow, target.origin);
      var button = make("button", "rdv-badge");
      button.type = "button";
      button.textContent = script.getAttribute("data-badge-text") || "Book a meeting";
      button.setAttribute("aria-haspopup", "dialog");
      if (css) {
        // unstyled, it would be a plain button at the end of the page for a moment
        button.hidden = true;
        var show = function () { button.hidden = false; };
        css.addEventListener("load", show);
        css.addEventListener("error", show);
      }
      shadow.appendChild(button);
      doc.body.appendChild(host);
      var background = cssColor(shadow, script.getAttribute("data-badge-color")) || BADGE_COLOR;
      var text = cssColor(shadow, script.getAttribute("data-badge-text-color")) || textColorOn(background);
      button.style.setProperty("--rdv-badge-bg", background);
      button.style.setProperty("--rdv-badge-fg", text);
      button.addEventListener("click", function () { openPopup(url, { source: script }, button); });
      return host;
    }

    function scan(node) {
      if (!node || node.nodeType !== 1) return;
      if (node.matches && node.matches(SELECTOR)) mount(node);
      if (node.matches && node.matches(TRIGGER)) prepareTrigger(node);
      if (node.querySelectorAll) {
        Array.prototype.forEach.call(node.querySelectorAll(SELECTOR), mount);
        Array.prototype.forEach.call(node.querySelectorAll(TRIGGER), prepareTrigger);
      }
    }

    // A CSP that forbids eval reports itself; widgets mounted before that still fall back.
    doc.addEventListener("securitypolicyviolation", function (event) {
      if (String(event.violatedDirective || event.effectiveDirective).indexOf("script-src") !== 0) return;
      if (String(event.blockedURI) !== "eval") return;
      evalBlocked = true;
      states.forEach(function (state) {
        if (state.retired || state.fallback) return;
        state.fallback = true;
        fallback(state.container, state.source, state.target.href, state.data);
      });
    });

    var script = doc.currentScript; // only while this file first runs
    if (!script || !script.hasAttribute("data-rendezvous-badge")) {
      script = doc.querySelector("script[data-rendezvous-badge]");
    }
    var api = {
      version: VERSION,
      mount: mount,
      inline: inline,
      /** `Rendezvous.popup({url, prefill, utm, theme})`: the popup, opened from script. */
      popup: function (settings) {
        settings = settings || {};
        if (!parseSrc(settings.url, doc.baseURI)) {
          throw new Error("Rendezvous.popup: not a meeting link: " + settings.url);
        }
        openPopup(settings.url, { prefill: settings.prefill, utm: settings.utm, theme: settings.theme });
      },
      close: closePopup,
    };
    win.Rendezvous = api;
    scan(doc.documentElement);
    new win.MutationObserver(function (records) {
      records.forEach(function (record) {
        if (record.type === "attributes") scan(record.target);
        Array.prototype.forEach.call(record.addedNodes, scan);
      });
    }).observe(doc.documentElement, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-src", "data-rendezvous-popup"],
    });
    function ready() {
      if (script) badge(script);
    }
    // the API is ready: pages that loaded this file async listen for this (or find it there)
    doc.dispatchEvent(new win.CustomEvent("rendezvous:loaded", { detail: { version: VERSION } }));
    if (doc.body) ready();
    else doc.addEventListener("DOMContentLoaded", ready, { once: true });
    return api;
  }

  return {
    parseSrc: parseSrc,
    assetUrls: assetUrls,
    prefillFrom: prefillFrom,
    utmFrom: utmFrom,
    withPrefill: withPrefill,
    withUtm: withUtm,
    parseColor: parseColor,
    contrast: contrast,
    textColorOn: textColorOn,
    evalAllowed: evalAllowed,
    start: start,
    setAssets: function (value) { ASSETS = value; },
  };
});

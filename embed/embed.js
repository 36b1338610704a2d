/*!
 * Rendezvous embed loader: turns every `.rendezvous-embed[data-src]` placeholder into a
 * booking widget in its own shadow root, with no iframe.
 *
 *   <div class="rendezvous-embed" data-src="https://APP/meetings/alice-martin/demo"></div>
 *   <script src="https://APP/embed/v1/embed.js" async></script>
 *
 * It loads the Brython runtime and the widget once per page (reusing a Brython the page
 * already has, never running the page's own Python), mounts placeholders added later too
 * (MutationObserver), and dispatches `rendezvous:ready` / `rendezvous:booked` on each
 * placeholder. When the page's Content-Security-Policy forbids eval (Brython needs it), each
 * placeholder shows a plain link to the hosted booking page instead.
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

  // Replaced by the server with the built files' URLs: {brython_js, widget_js, widget_css}.
  var ASSETS = /*__RENDEZVOUS_ASSETS__*/null;
  var SELECTOR = ".rendezvous-embed[data-src]";
  var PREFILL = ["first_name", "last_name", "email"];
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
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (k) {
      var value = params.get(k);
      if (value) utm[k] = value.slice(0, 200);
    });
    return utm;
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
   * markup), shown at once. The widget's first two GETs are answered from it: it uses a
   * preloaded response only when its URL is exactly the one it would fetch, so a mismatch
   * costs a request, never a bug; when the first view fails, those GETs go to the network.
   */
  function preload(win, target) {
    if (!target.slug || !win.fetch || !win.Intl || !win.Response) return null;
    try {
      var zone = win.Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
      var dates = localDates(win, zone, 69);
      var config = target.apiBase + "/links/" + target.slug;
      var query = "?start=" + dates[0] + "&end=" + dates[1] + "&timezone=" + encodeURIComponent(zone);
      var slots = config + "/slots" + query;
      var accept = { headers: { Accept: "application/json" } };
      var view = win.fetch(config + "/first-view" + query, accept).then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      });
      view.catch(function () {});
      var answer = function (url, part) {
        return view.then(function (data) {
          return new win.Response(JSON.stringify(data[part]), {
            status: 200, headers: { "Content-Type": "application/json" },
          });
        }, function () { return win.fetch(url, accept); });
      };
      var requests = {};
      requests[config] = answer(config, "link");
      requests[slots] = answer(slots, "slots");
      return { requests: requests, view: view };
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
    var assets = ASSETS;
    var runtime = null; // one promise per page: Brython + the widget, loaded once
    var mounted = 0; // widgets on this page, for their element ids

    function loadRuntime() {
      if (runtime) return runtime;
      runtime = Promise.resolve().then(function () {
        if (!assets) throw new Error("Rendezvous: asset manifest missing");
        if (win.__rendezvous_mount__) return null;
        // Both files download at once and run in order (async = false): the widget's modules
        // need the runtime, but not its download to finish before theirs starts.
        var files = [assets.widget_js];
        if (!(win.__BRYTHON__ && win.__BRYTHON__.runPythonSource)) files.unshift(assets.brython_js);
        return Promise.all(files.map(function (src) { return loadScript(doc, src, true); }));
      }).then(function () {
        mark(win, "runtime");
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

    function mount(placeholder) {
      if (!placeholder || placeholder.__rendezvous) return placeholder && placeholder.__rendezvous;
      var target = parseSrc(placeholder.getAttribute("data-src"), doc.baseURI);
      if (!target) return null;
      var shadow = placeholder.shadowRoot || placeholder.attachShadow({ mode: "open" });
      shadow.textContent = "";
      if (assets && assets.widget_css) {
        var css = doc.createElement("link");
        css.rel = "stylesheet";
        css.href = assets.widget_css;
        shadow.appendChild(css);
      }
      var container = doc.createElement("div");
      container.className = "rdv-root rdv-loading";
      container.setAttribute("aria-busy", "true");
      themeFrom(placeholder, container);
      shadow.appendChild(container);
      var state = { container: container, target: target };
      placeholder.__rendezvous = state;

      var early = preload(win, target);
      if (early) early.view.then(function (data) { state.data = data; }, function () {});
      if (!evalAllowed()) {
        fallback(container, placeholder, target.href);
        state.fallback = true;
        if (early) early.view.then(function (data) { fallback(container, placeholder, target.href, data); }, function () {});
        return state;
      }
      var options = {
        id: "rdv" + ++mounted,
        preload: early && early.requests,
        apiBase: target.apiBase,
        slug: target.slug || null,
        manageToken: placeholder.getAttribute("data-manage-token") || target.manageToken || null,
        pageUrl: target.href,
        prefill: prefillFrom(placeholder.dataset, win.location.search),
        utm: utmFrom(win.location.search),
        emit: function (name, detail) { emit(placeholder, name, detail); },
      };
      if (early) {
        early.view.then(function (data) {
          if (!state.started && !state.fallback) paint(container, data, options, state);
        }, function () {});
      }
      state.ready = loadRuntime().then(function () {
        state.started = true;
        win.__rendezvous_mount__(container, options);
      }).catch(function (error) {
        if (win.console) win.console.error(error);
        fallback(container, placeholder, target.href, state.data);
        state.fallback = true;
      });
      return state;
    }

    function scan(node) {
      if (!node || node.nodeType !== 1) return;
      if (node.matches && node.matches(SELECTOR)) mount(node);
      if (node.querySelectorAll) {
        Array.prototype.forEach.call(node.querySelectorAll(SELECTOR), mount);
      }
    }

    // A CSP that forbids eval reports itself; placeholders mounted before that still fall back.
    doc.addEventListener("securitypolicyviolation", function (event) {
      if (String(event.violatedDirective || event.effectiveDirective).indexOf("script-src") !== 0) return;
      if (String(event.blockedURI) !== "eval") return;
      Array.prototype.forEach.call(doc.querySelectorAll(SELECTOR), function (el) {
        var state = el.__rendezvous;
        if (!state || state.fallback) return;
        state.fallback = true;
        fallback(state.container, el, state.target.href, state.data);
      });
    });

    var api = { version: VERSION, mount: mount };
    win.Rendezvous = api;
    scan(doc.documentElement);
    new win.MutationObserver(function (records) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, scan);
      });
    }).observe(doc.documentElement, { childList: true, subtree: true });
    return api;
  }

  return {
    parseSrc: parseSrc,
    prefillFrom: prefillFrom,
    utmFrom: utmFrom,
    evalAllowed: evalAllowed,
    start: start,
    setAssets: function (value) { ASSETS = value; },
  };
});

"""One widget per mount: its state, the frame (header, body) and the moves between views.

Views: loading skeleton → pick (calendar and times) → form → confirmation; or, with a manage
token, the booking → cancel, or pick a new time. All state lives on the instance. Only what
the first calendar needs is imported up front; the rest loads when idle or when first used.
"""

from browser import document, window
from javascript import NULL, UNDEFINED

from . import api, calendar, dates, markup, palette, times
from .dom import add, clear, h, on
from .i18n import translator

UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_count = [0]
#: the modules of the widget's second file (``widget_later_js``): the form, the confirmation,
#: the manage and request views; asked for once the calendar is up, or when first needed
LATER = ("form", "confirm", "manage", "request")
_later = {"state": None, "waiting": []}


def opt(obj, name):
    """An option of the loader's JS object; None when missing, null or empty.

    (Not ``if v``: Brython finds some JS objects, such as a Promise, false.)
    """
    v = getattr(obj, name, None) if obj is not None else None
    if v is None or v is NULL or v is UNDEFINED:
        return None
    # (``v == ""`` on a JS object costs Brython a rich comparison: ~1 ms an option)
    return None if isinstance(v, str) and not v else v


def strings_of(obj):
    try:
        return {str(k): str(v) for k, v in dict(obj).items() if v} if obj is not None else {}
    except Exception:
        return {}


class Widget:
    def __init__(self, root, options):
        _count[0] += 1
        self.id = str(opt(options, "id") or "rdv" + str(_count[0]))  # the loader's, if any
        self.root = root
        self.options = options
        self.base = str(opt(options, "apiBase") or "/api/v1/public").rstrip("/")
        self.slug = opt(options, "slug")
        self.token = opt(options, "manageToken")
        self.preload = opt(options, "preload")
        self.prefill = strings_of(opt(options, "prefill"))
        self.utm = {k: v[:200] for k, v in strings_of(opt(options, "utm")).items() if k in UTM}
        self._ = translator(None)
        self.zone = dates.visitor_zone()
        self.today = dates.today(self.zone)  # the browser's guess, until the server says
        self.zone_menu = None  # [{name, offset, offset_minutes}] as the server labelled them
        self.zones_full = False
        self.cache = {}
        self.cfg = self.booking = self.moving = None
        self.day = self.focus_day = self.month = self.slots_error = self.view = None
        self.ready = False
        self.painted = bool(opt(options, "painted"))  # the server's first view is on screen
        root.setAttribute("role", "region")
        root.setAttribute("aria-label", "Rendezvous")
        if self.token:
            self.go("manage", "start")
        else:
            self.start()

    # -- plumbing ---------------------------------------------------------------------------

    def emit(self, name, detail=NULL):
        f = opt(self.options, "emit")
        if f is not None:
            f(name, detail)

    def go(self, module, name, *args):
        """``module.name(self, *args)``, importing the module on first use; a module of the
        second file (``LATER``) once that file is in, so then nothing is returned."""
        if module in LATER and not self.later_loaded(lambda: self.go(module, name, *args)):
            return None
        return getattr(__import__("rendezvous_widget." + module, fromlist=[name]), name)(
            self, *args
        )

    def later_loaded(self, then):
        """Whether the second file is in; if not, it is asked for (once per page) and ``then``
        runs when it is."""
        url = opt(self.options, "later")
        if url is None or _later["state"] == "in":  # no second file: one bundle
            return True
        _later["waiting"].append(then)
        if _later["state"] is None:
            _later["state"] = "loading"
            script = document.createElement("script")
            script.src = str(url)

            def arrived(_ev):
                _later["state"] = "in"
                waiting, _later["waiting"] = _later["waiting"], []
                for f in waiting:
                    f()

            def failed(_ev):
                _later["state"], _later["waiting"] = None, []
                self.fatal(0, {"code": "network"}, None)

            script.bind("load", arrived)
            script.bind("error", failed)
            document.head.appendChild(script)
        return False

    def problem(self, status, err=None):
        return self.go("controls", "problem", status, err)

    def fatal(self, status, err, retry):
        self.go("controls", "fatal", status, err, retry)

    def skeleton(self):
        clear(self.root).setAttribute("aria-busy", "true")
        self.root.classList.remove("rdv-loading")  # the loader's placeholder style
        add(
            self.root,
            h(
                "div",
                {"class": "rdv-skel"},
                h("p", {"class": "rdv-sr", "role": "status"}, self._("Loading…")),
                h("div", {"class": "rdv-skel-head", "aria-hidden": "true"}, h("i"), h("b")),
                h(
                    "div",
                    {"class": "rdv-skel-grid", "aria-hidden": "true"},
                    [h("i") for _ in range(35)],
                ),
            ),
        )

    # -- loading the link -------------------------------------------------------------------

    def start(self):
        """The link config and ten weeks of slots, asked at once; the calendar shows when both
        are in."""
        if not self.painted:
            self.skeleton()
        got = {}
        end = dates.add_days(self.today, 69)

        def both():
            if "cfg" in got and "slots" in got:
                self.setup(got["cfg"])
                if got["slots"]:
                    self.store(got["slots"], self.today, end)
                if self.cfg.get("mode") == "request":
                    self.go("request", "show")
                else:
                    self.show_pick()

        def cfg(data, _t):
            got["cfg"] = data
            both()

        def slots(data, _t):
            got["slots"] = data
            both()

        def slots_failed(status, err):
            got["slots"] = None
            both()

        api.get(
            self.base,
            "/links/" + self.slug,
            cfg,
            lambda status, err: self.fatal(status, err, self.start),
            self.preload,
        )
        api.get(
            self.base, self.slots_path(None, self.today, end), slots, slots_failed, self.preload
        )

    def setup(self, cfg):
        self.cfg = cfg
        self.slug = cfg["slug"]
        self._ = translator(cfg.get("strings"))
        locale = cfg.get("locale") or "en-US"
        self.fm = dates.Formats(locale)
        self.week_start = dates.week_start(locale)
        self.duration = self.moving["duration"] if self.moving else cfg["durations"][0]
        self.root.setAttribute("lang", cfg.get("language") or "en")
        if self.painted and self.root.querySelector(".rdv-head .rdv-meta"):
            self.adopt_frame()  # the loader set the server's theme too
        else:
            self.painted = False
            self.theme((cfg.get("branding") or {}).get("accent_color"))
            self.frame()

    def adopt_frame(self):
        """The server's header and body, taken over as they are: the same markup, already on
        screen (``server.public.first_view``); re-rendering would cost Brython ~100 ms."""
        self.root.removeAttribute("aria-busy")
        self.root.removeAttribute("aria-label")
        self.root.setAttribute("aria-labelledby", self.id + "-title")
        self.meta = self.root.querySelector(".rdv-meta")
        self.body = self.root.querySelector(".rdv-body")

    def frame(self):
        """The header and an empty body, as one string (``markup``)."""
        tid = self.id + "-title"
        self.root.removeAttribute("aria-busy")
        self.root.removeAttribute("aria-label")
        self.root.setAttribute("aria-labelledby", tid)
        self.root.innerHTML = markup.header(self.id, self.cfg) + '<div class="rdv-body"></div>'
        self.meta = self.root.querySelector(".rdv-meta")
        self.body = self.root.querySelector(".rdv-body")
        self.update_meta()

    def update_meta(self):
        self.meta.innerHTML = markup.meta(self.cfg, self.fm, self.duration)

    def theme(self, color):
        """The account's accent and the colours that read with it, light and dark (palette.py)."""
        for name, value in palette.variables(color):
            self.root.style.setProperty(name, value)

    # -- slots: a cache per duration and zone of {date: [starts]} and the ranges fetched -----

    def key(self):
        return str(self.duration) + "|" + self.zone

    def slots_path(self, duration, lo, hi):
        q = "?start=" + lo + "&end=" + hi + "&timezone=" + window.encodeURIComponent(self.zone)
        return (
            "/links/"
            + self.slug
            + "/slots"
            + q
            + ("&duration=" + str(duration) if duration else "")
        )

    def store(self, data, lo, hi):
        """Keep the slots by the date their string carries; take the server's day and menu."""
        key = str(data["duration"]) + "|" + data["timezone"]
        if data["timezone"] == self.zone:
            self.today = data.get("today") or self.today
            menu = data.get("timezones")
            if menu and menu != self.zone_menu:
                self.zone_menu, self.zones_full = menu, False
        c = self.cache.setdefault(key, {"days": {}, "ranges": [], "busy": set()})
        days = c["days"]
        for s in [s for s in days if lo <= s <= hi]:
            del days[s]
        day = run = None
        for s in data["slots"]:  # in order, so a day's starts come together
            if day is None or not s.startswith(day):  # (a slice per start was 20 ms in Brython)
                day = s[:10]
                run = days.setdefault(day, [])
            run.append(s)
        c["ranges"].append((lo, hi))
        c.setdefault("next", {})[lo + hi] = data.get("next_available")

    def next_open(self):
        """The first day with times after the visible month, for an empty month's "Next
        available": from the slots known, else from what the server said lies after a range
        that came back empty; None when neither knows (see :meth:`ask_next`)."""
        lo, hi = self.span()
        c = self.covered(lo, hi)
        if not c:
            return None
        later = [s for s, v in c["days"].items() if v and s > hi]
        if later:
            return min(later)
        for a, b in c["ranges"]:
            found = c.get("next", {}).get(a + b)
            if a <= lo and hi <= b and found:
                return found[:10]
        return None

    def ask_next(self):
        """The visible month alone, once, so the server says where the next times are."""
        lo, hi = self.span()
        c = self.covered(lo, hi)
        tag = "next" + lo + hi
        if not c or tag in c["busy"] or lo + hi in c.get("next", {}):
            return
        c["busy"].add(tag)
        key = self.key()

        def done(data, _t):
            self.store(data, lo, hi)
            if self.key() == key:
                self.refresh()

        api.get(self.base, self.slots_path(self.duration, lo, hi), done, lambda s, e: None)

    def go_next_open(self, day):
        """The "Next available" button: that day's month, and the day open."""
        y, m, _d = dates.ymd(day)
        self.set_month(y, m)
        self.pick_day(day)

    def span(self):
        y, m = self.month
        return max(dates.iso(y, m, 1), self.today), dates.iso(y, m, dates.days_in_month(y, m))

    def covered(self, lo, hi):
        c = self.cache.get(self.key())
        return c if c and any(a <= lo and hi <= b for a, b in c["ranges"]) else None

    def days(self):
        """The visible month's ``{date: [starts]}``; None while it loads."""
        lo, hi = self.span()
        if hi < lo:
            return {}
        c = self.covered(lo, hi)
        return c["days"] if c else None

    def slots_for(self, day):
        c = self.covered(day, day)
        return (c["days"].get(day) or []) if c else None

    def need(self):
        """Fetch the visible month's slots unless they are known or on their way."""
        lo, hi = self.span()
        if hi < lo or self.covered(lo, hi):
            return
        key, tag = self.key(), lo + hi
        c = self.cache.setdefault(key, {"days": {}, "ranges": [], "busy": set()})
        if tag in c["busy"]:
            return
        c["busy"].add(tag)
        self.slots_error = None

        def done(data, _t):
            c["busy"].discard(tag)
            self.store(data, lo, hi)
            if self.key() == key:
                self.refresh()

        def failed(status, err):
            c["busy"].discard(tag)
            link_zone = self.cfg.get("timezone") or "UTC"
            if status == 422 and self.zone != link_zone:  # a zone the server doesn't know
                self.zone, self.today = link_zone, dates.today(link_zone)
                self.show_pick()
            elif self.key() == key:
                self.slots_error = (status, err)
                self.refresh()

        api.get(self.base, self.slots_path(self.duration, lo, hi), done, failed)
        if self.view == "pick":
            calendar.render(self)

    # -- the pick view ----------------------------------------------------------------------

    def can_show(self, y, m):
        return markup.can_show(self.today, y, m)

    def show_pick(self, alert=None):
        _ = self._
        adopt = self.painted and self.view is None and not alert and not self.moving
        self.painted = False  # only the first view can be the server's
        self.view = "pick"
        if self.month is None:
            c = self.cache.get(self.key())
            self.month = markup.first_month(c["days"] if c else {}, self.today)
        cols = self.body.querySelector(".rdv-cols") if adopt else None
        first = cols.querySelector("td[data-date]") if cols else None
        if first and first.getAttribute("data-date")[:7] == dates.iso(*self.month, 1)[:7]:
            self.bind_pick(cols, self.body.querySelector(".rdv-durs"))
            self.need()
            self.refresh(adopted=True)
            return
        body = clear(self.body)
        if self.moving:
            add(
                body,
                [
                    self.go("controls", "back", lambda: self.go("manage", "show")),
                    h("p", {"class": "rdv-lead"}, _("Pick a new time for your meeting.")),
                ],
            )
        if alert:
            add(body, h("p", {"class": "rdv-alert", "role": "alert", "tabindex": "-1"}, alert))
        durations = None
        if len(self.cfg["durations"]) > 1 and not self.moving:
            box = h("div")
            box.innerHTML = markup.durations(self.id, self.cfg, self.duration, self.fm, _)
            durations = add(body, box.firstChild).lastChild
        holder = h("div")
        holder.innerHTML = markup.cols(
            self.id,
            markup.bar(self.id, "", True, True, _),
            "",
            markup.zone_box(self.id, self.zone, self.zone_menu, _),
            "",
        )
        cols = holder.firstChild
        self.bind_pick(cols, durations)
        add(body, cols)
        self.refresh()
        self.need()
        if self.ready:
            self.go("controls", "fill_zones")

    def bind_pick(self, cols, durations):
        """Listen on the pick view's parts: month bar and grid, times, zone menu, durations."""
        calendar.bind(self, cols)
        times.bind(self, cols.querySelector(".rdv-times"))
        self.zone_select = cols.querySelector(".rdv-select")
        self.zones_full = False
        on(self.zone_select, "focus", lambda ev: self.go("controls", "fill_zones"))
        on(
            self.zone_select,
            "change",
            lambda ev: self.go("controls", "set_zone", self.zone_select.value),
        )
        if durations:
            on(
                durations,
                "change",
                lambda ev: self.go("controls", "set_duration", int(ev.target.value)),
            )

    def refresh(self, focus_times=False, adopted=False):
        """Draw the month and the times; ``adopted``: they are the server's, already right."""
        if self.view != "pick":
            return
        if not adopted:
            calendar.render(self)
            times.render(self, focus_times)
        if self.ready and not self.zones_full:  # new labels came with these slots
            self.go("controls", "fill_zones")
        if not self.ready and self.days() is not None:
            self.ready = True
            early = opt(self.options, "day")  # clicked on the server's first view
            if early and self.slots_for(str(early)):
                self.pick_day(str(early))
            self.emit("ready")
            window.setTimeout(self.idle, 30)

    def idle(self):
        """Once the calendar is up: the full zone list, and the form compiled ahead of the click."""
        self.go("controls", "fill_zones")
        self.go("keys", "warm")
        self.go("form", "warm")

    def set_month(self, y, m, focus=False):
        self.month = (y, m)
        calendar.render(self, focus)
        self.need()

    def pick_day(self, day):
        self.day = self.focus_day = day
        calendar.render(self)
        times.render(self, True)
        self.emit("day-chosen", window.JSON.parse(window.JSON.stringify({"date": day})))

    def choose(self, start):
        self.start_at = start
        detail = {"start": start, "duration": self.duration, "timezone": self.zone}
        self.emit("time-chosen", window.JSON.parse(window.JSON.stringify(detail)))
        self.go("manage", "confirm_move") if self.moving else self.go("form", "show")

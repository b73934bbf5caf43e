"""Hostile web forms: every staff and public form, posted as each role of two organizations
with a valid session and CSRF token, against a real server on PostgreSQL. No answer may be a
server error, and every request must be answered.

    .venv/bin/python faults/fuzz_forms.py [--seed 1] [--per-route 5]

The routes come from the application's routers (every POST outside the API, and every page
that reads a query or an id), the fields from the <form> elements of the pages each
administrator reaches, the public pages and the import's later steps (so a viewer posts the
forms only an administrator sees). Each request keeps, drops, repeats, empties, lengthens or
corrupts each field, posts files where a form takes them, leaves the CSRF token out one time in
ten, and points the path at the organization's own objects, the other organization's and ones
that do not exist; a few go signed out. Prints requests and server errors per role (the
server's log is left in /tmp/fuzz_forms.log) and the POST routes on no page; exits 1 on any 5xx
or unanswered request, when fewer than --at-least requests were sent, or when a POST route was
on no page (posted with its declared fields only, it would miss what its form sends)."""

import argparse
import os
import random
import re
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from harness import Setup, free_port, kill9, wait_up

ROLES = ("viewer", "analyst", "handler", "agent", "manager", "admin")  # admin last: it changes the others
PASSWORD = "fuzz-password-1"
UNKNOWN_ID = "987654321"
# Pages not worth a visit: they sign out, change language, or stream large files.
SKIP_GET = re.compile(r"^/(logout|lang/|static/|vendor/|api/)|/(export|download)|\.(csv|xlsx|json|pdf)$")
SKIP_POST = {"/logout"}  # would end the session the rest of the run uses
HOSTILE = [
    "",
    " ",
    "-1",
    "0",
    "1e309",
    "NaN",
    "9" * 40,
    "abc",
    "true",
    "2026-13-45",
    "2026-02-30T25:61",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%s%n",
    "{{7*7}}",
    "王芳\u202e\ufeff",
    "😀" * 50,
    "x" * 5000,
    "a@b",
    '{"a": [1, 2]}',
    "\r\nSet-Cookie: x=1",
    "²",  # a digit to str.isdigit, not to int()
    "١٢",
    "1.5",
    " 7 ",
]


@dataclass
class Form:
    action: str
    method: str = "POST"
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values seen (options)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type
    files: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """The links and POST forms of one page."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.elsewhere: list[str] = []  # the form's buttons' formaction

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            method = a.get("method", "get").upper()
            self.form = Form(urlsplit(urljoin(self.url, a.get("action") or self.url)).path, method)
        elif self.form is None:
            return
        elif tag in ("button", "input") and a.get("formaction"):  # the same fields, posted elsewhere
            self.elsewhere.append(urlsplit(urljoin(self.url, a["formaction"])).path)
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "file":
                self.form.files.append(a["name"])
                return
            self.form.kinds.setdefault(a["name"], kind)
            value = a.get("value", "on" if kind == "checkbox" else "")
            self.form.fields.setdefault(a["name"], []).append(value)
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.form.kinds.setdefault(self.select, "select")
            self.form.fields.setdefault(self.select, [])
        elif tag == "option" and self.select:
            self.form.fields[self.select].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.form.kinds.setdefault(self.textarea, "textarea")
            self.form.fields.setdefault(self.textarea, [""])

    def handle_data(self, data: str) -> None:
        if self.form is not None and self.textarea and data.strip():
            self.form.fields[self.textarea].append(data.strip()[:2000])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.forms += [replace(self.form, action=action) for action in self.elsewhere]
            self.form, self.elsewhere = None, []
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@dataclass
class Route:
    method: str
    path: str
    regex: re.Pattern[str]
    params: dict[str, str]  # path parameter -> "int" or "str"
    body: list[str]  # Form() parameters the route declares
    forms: list[Form] = field(default_factory=list)
    seen: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # org -> path values seen


def web_routes() -> list[Route]:
    """Every POST route outside the API, and every GET route that reads a query, from the
    application's routers."""
    from fastapi.routing import APIRoute

    from voxloop.main import create_app

    def walk(routes: list[Any]) -> list[APIRoute]:
        found: list[APIRoute] = []
        for r in routes:
            if isinstance(r, APIRoute):
                found.append(r)
            elif hasattr(r, "original_router"):  # an included router
                found += walk(r.original_router.routes)
        return found

    found = []
    for r in walk(create_app().routes):
        if r.path.startswith("/api") or r.path in SKIP_POST:
            continue
        params = {p.name: "int" if p.field_info.annotation is int else "str" for p in r.dependant.path_params}
        if "POST" in r.methods:
            found.append(
                Route("POST", r.path, r.path_regex, params, [p.name for p in r.dependant.body_params])
            )
        elif "GET" in r.methods and not SKIP_GET.search(r.path):
            found.append(
                Route("GET", r.path, r.path_regex, params, [p.name for p in r.dependant.query_params])
            )
    return found


class Client:
    """A signed-in browser: its cookie jar and the CSRF token its pages carry."""

    def __init__(self, base: str, org: str, role: str, tally: Counter[str], errors: list[str]) -> None:
        self.base, self.org, self.role = base, org, role
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.tally, self.errors = tally, errors
        self.csrf = ""
        self.sent = 0

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response | None:
        self.sent += 1
        self.tally["requests"] += 1
        try:
            r = self.http.request(method, url, **kw)
        except httpx.HTTPError as e:
            self.tally["connection errors"] += 1
            self.errors.append(f"{self.org}/{self.role} {method} {url}: no answer ({type(e).__name__})")
            return None
        if r.status_code >= 500:
            self.tally["5xx"] += 1
            try:
                sent = r.request.content[:300].decode("utf-8", "replace")
            except httpx.RequestNotRead:  # a streamed upload
                sent = "(a file upload)"
            self.errors.append(f"{self.org}/{self.role} {method} {r.request.url} -> {r.status_code} {sent!r}")
        return r

    def get_page(self, url: str) -> FormParser | None:
        return self.parse(url, self.request("GET", url))

    def parse(self, url: str, r: httpx.Response | None) -> FormParser | None:
        """The page's links and forms; its CSRF token is kept for the next post."""
        if r is None or r.status_code >= 300 or "text/html" not in r.headers.get("content-type", ""):
            return None
        found = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
        if found:
            self.csrf = found.group(1)
        parser = FormParser(f"{self.base}{url}")
        parser.feed(r.text)
        return parser

    def login(self) -> None:
        self.get_page("/login")
        r = self.request(
            "POST",
            "/login",
            data={"email": f"{self.role}@{self.org}.example", "password": PASSWORD, "org": self.org,
                  "csrf_token": self.csrf},
        )  # fmt: skip
        if r is None or r.status_code != 303:
            raise RuntimeError(f"{self.org}/{self.role} could not sign in: {r and r.status_code}")
        self.get_page("/inbox")  # the session's token (sign-in starts a new session)

    def crawl(self, limit: int) -> tuple[list[Form], set[str]]:
        """Pages reachable from the inbox, breadth first: the forms on them, and the pages."""
        queue, seen, forms = ["/inbox"], set[str](), []
        paths = {"/inbox"}  # a path's first link only: the inbox's quick filters are one page's forms
        while queue and len(seen) < limit:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            parser = self.get_page(url)
            if parser is None:
                continue
            forms += parser.forms
            for link in parser.links:
                parts = urlsplit(link)
                if parts.netloc not in ("", urlsplit(self.base).netloc) or SKIP_GET.search(parts.path):
                    continue
                # queries (filters, pages of a list) only while the first half is visited
                target = parts.path + (f"?{parts.query}" if parts.query and len(seen) < limit // 2 else "")
                if target not in seen and parts.path not in paths:
                    paths.add(parts.path)
                    queue.append(target)
        return forms, seen

    def staged(self) -> list[Form]:
        """Forms that appear only once a file is in: the import's mapping and its dry run."""
        csv = "description,channel,received_at\n空调坏了,web,2026-11-01\nBreakfast cold,email,2026-11-02\n"
        r = self.request("POST", "/imports/upload", data={"csrf_token": self.csrf, "new_source": "fuzz"},
                         files={"file": ("fuzz.csv", csv.encode())})  # fmt: skip
        upload = self.parse("/imports/upload", r)
        found = upload.forms if upload else []
        check = next((f for f in found if f.action == "/imports/check"), None)
        if check is not None:  # the mapping as offered: its dry run shows the form that imports
            # each field's column of its own name (column.description: description), else the first offered
            data = {
                k: next((o for o in v if k.endswith(f".{o}")), v[0]) for k, v in check.fields.items() if v
            }
            data["csrf_token"] = self.csrf
            dry_run = self.parse("/imports/check", self.request("POST", "/imports/check", data=data))
            found += dry_run.forms if dry_run else []
        return found


def values_for(name: str, kind: str, seen: list[str], rng: random.Random, other_ids: list[str]) -> list[str]:
    """What this field is sent: a value a page offered, or a hostile one."""
    roll = rng.random()
    if roll < 0.35 and seen:
        return [rng.choice(seen)]
    if roll < 0.45:
        return []  # missing
    if roll < 0.55 and other_ids and (name.endswith("_id") or name.endswith("id") or kind == "select"):
        return [rng.choice(other_ids)]
    if roll < 0.6:
        return [UNKNOWN_ID]
    if roll < 0.65 and seen:
        return [rng.choice(seen), rng.choice(HOSTILE)]  # the field twice
    return [rng.choice(HOSTILE)]


def path_for(route: Route, org: str, other: str, rng: random.Random) -> str:
    """The route's path with its own objects, the other organization's, unknown or odd ones."""
    own, theirs = route.seen.get(org, []), route.seen.get(other, [])
    roll = rng.random()
    if own and roll < 0.45:
        chosen = dict(rng.choice(own))
    elif theirs and roll < 0.7:
        chosen = dict(rng.choice(theirs))
    else:
        chosen = {}
    path = route.path
    for name, kind in route.params.items():
        value = chosen.get(name)
        if value is None:
            pool = (
                [UNKNOWN_ID, "0", "-1", "9" * 30]
                if kind == "int"
                else ["zz", "x" * 300, "%E7%8E%8B", "..", "a b"]
            )
            value = rng.choice(pool)
        path = path.replace("{" + name + (":path}" if f"{{{name}:path}}" in path else "}"), value)
    return path


def fuzz_route(client: Client, route: Route, other: str, rng: random.Random, n: int) -> None:
    forms = route.forms or [Form(route.path, {name: [] for name in route.body})]
    for i in range(n):
        form = rng.choice(forms)
        fields = dict(form.fields)
        for name in route.body:
            fields.setdefault(name, [])
        if rng.random() < 0.3:
            fields[rng.choice(["extra", "id", "org_id", "role", "__proto__"])] = []
        other_ids = [v for vals in route.seen.get(other, []) for v in vals.values()]
        data: list[tuple[str, str]] = []
        for name, seen in fields.items():
            if name == "csrf_token":
                continue
            data += [(name, v) for v in values_for(name, form.kinds.get(name, ""), seen, rng, other_ids)]
        if i % 10 != 9 and route.method == "POST":  # one in ten without the token: a 403, never a 5xx
            data.append(("csrf_token", client.csrf))
        files = None
        if form.files:
            content = rng.choice(
                [b"", b"\x00" * 64, b"PK\x03\x04" + rng.randbytes(200), "名,email\n王芳,a@b\n".encode()]
            )
            files = {
                name: (rng.choice(["a.xlsx", "a.csv", "../a.txt", "x" * 300]), content) for name in form.files
            }
        url = path_for(route, client.org, other, rng)
        if route.method == "GET":
            client.request("GET", url, params=data)
        elif files:
            client.request("POST", url, data=dict(data), files=files)
        else:
            body = "&".join(f"{httpx.QueryParams({k: v})}" for k, v in data)
            client.request(
                "POST",
                url,
                content=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        if client.sent % 25 == 0:
            r = client.request("GET", "/inbox")  # an administrator may have ended this session
            if r is not None and r.status_code in (303, 307, 401):
                client.login()


class Api:
    """An organization's administrator over the API, for the objects the forms act on."""

    def __init__(self, base: str, org: str, token: str) -> None:
        self.org = org
        self.http = httpx.Client(
            base_url=f"{base}/api/v1", timeout=60, headers={"Authorization": f"Bearer {token}"}
        )

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self.http.post(path, json=body)
        if r.status_code >= 300:
            raise RuntimeError(f"seeding {self.org}: POST {path} -> {r.status_code} {r.text[:300]}")
        return r.json()


def seed(setup: Setup, base: str, org: str) -> tuple[list[str], list[str]]:
    """An organization with a user per role and a few of every object the forms act on; its
    public pages (the feedback form, tracking pages, surveys and an invitation's unsubscribe
    page) and the staff pages whose forms act on one object (an alert, a webhook delivery, a
    branch, a customer to erase); a reply template and a saved view each to edit or delete."""
    setup.voxloop("users", "create", "--org", org, "--org-name", org.title(), "--email",
                  f"admin@{org}.example", "--role", "admin", "--password", PASSWORD)  # fmt: skip
    token = setup.voxloop("tokens", "create", "--org", org, "--email", f"admin@{org}.example")
    api = Api(base, org, token.strip().splitlines()[-1])
    dept = api.post("/departments", {"name": f"{org} 前台", "name_en": "Front desk"})
    for role in ROLES[:-1]:
        api.post("/users", {"email": f"{role}@{org}.example", "password": PASSWORD, "role": role,
                            "name": f"{role} {org}", "department_id": dept["id"]})  # fmt: skip
    api.post("/branches", {"name": f"{org} 外滩店", "name_en": "The Bund", "city": "上海"})
    # before the feedback: its triage is announced there, a delivery to redeliver
    hook = api.post("/webhooks", {"url": "http://127.0.0.1:9/voxloop", "events": ["feedback.created"]})
    public = [f"/f/{org}"]
    records = []
    for i, (name, text) in enumerate(
        [("王芳", "空调坏了"), ("John Smith", "Breakfast was cold."), ("李雷", "很好")]
    ):
        customer = {"name": name, "email": f"c{i}@{org}.example", "phone": f"+86 138 0000 {i:04d}"}
        records.append(api.post("/feedback", {"description": f"{text} {org} {i}", "customer": customer}))
        public.append(f"/t/{records[-1]['tracking_code']}")
        api.post(f"/feedback/{records[-1]['id']}/remedies", {"kind": "apology", "message": "对不起"})
    # one problem from six customers: a common one, whose discovery raises an alert
    common = [
        api.post("/feedback", {"description": f"房间的空调坏了，整晚太热睡不着 {i}",
                               "customer": {"name": f"客人{i}", "email": f"ac{i}@{org}.example"}})
        for i in range(6)
    ]  # fmt: skip
    api.post(
        "/routing-rules", {"name": f"{org} rule", "match": {"channel": ["web"]}, "department_id": dept["id"]}
    )
    setup.voxloop("outbox", "run")  # the triage, as a worker would run it
    for record in common:
        api.http.patch(f"/feedback/{record['id']}", json={"type": "complaint"}).raise_for_status()
    api.post("/themes/discover", {"days": 7})
    setup.voxloop("outbox", "run")
    first, last = records[0]["id"], records[-1]["id"]
    api.post(f"/feedback/{first}/transitions", {"to": "resolved"})  # the customer confirms or reopens
    api.http.patch(f"/feedback/{last}", json={"type": "suggestion"}).raise_for_status()  # to adopt
    for template, trigger in (("nps", None), ("csat_post_case", "case_resolved")):
        survey = api.post("/surveys", {"name": f"{template} {org}", "template": template, "trigger": trigger})
        api.post(f"/surveys/{survey['id']}/publish")
        public.append(f"/s/{survey['key']}")
    guest = f"guest@{org}.example"
    api.post(f"/surveys/{survey['id']}/invitations", {"emails": [guest]})
    # the link is only in the invitation's email, which nobody here reads
    token = setup.query(f"SELECT token FROM survey_invitations WHERE email = '{guest}'")[0][0]
    public.append(f"/s/unsubscribe/{token}")
    initiative = api.post("/initiatives", {"title": f"Faster replies {org}", "origin_kind": "manual",
                                           "target_value": 4, "deadline": "2027-06-30"})  # fmt: skip
    api.post(
        f"/initiatives/{initiative['id']}/actions", {"title": "Train the desk", "process_step": "training"}
    )
    api.post("/reply-templates", {"name": f"{org} reply", "text_zh": "{name}您好", "text_en": "Dear {name}"})
    # a saved view for each person, so that the inbox shows its delete form (views are saved
    # from the inbox page, by the person signed in)
    setup.query(
        "INSERT INTO saved_views (org_id, user_id, name, query, created_at) "
        "SELECT org_id, id, 'assigned', 'status=assigned', now() FROM users "
        f"WHERE org_id = (SELECT id FROM organizations WHERE slug = '{org}') RETURNING id"
    )
    erase = f"/customers/{records[1]['customer']['id']}/erase"  # deeper than the crawl goes
    return public, ["/reports/themes", f"/admin/webhooks/{hook['id']}", "/admin/branches", erase]


def learn(routes: list[Route], org: str, forms: list[Form], pages: set[str]) -> None:
    """Give each route the fields of the forms that post to it, and the organization's ids
    that appear in its path on the pages."""

    def seen(route: Route, values: dict[str, str]) -> None:
        if values and values not in route.seen.setdefault(org, []):
            route.seen[org].append(values)

    for form in forms:
        for route in routes:
            if route.method == form.method and (found := route.regex.match(form.action)):
                if not any(f.fields.keys() == form.fields.keys() for f in route.forms):
                    route.forms.append(form)
                seen(route, found.groupdict())
                break
    for url in pages:
        for route in routes:
            if route.method == "GET" and (found := route.regex.match(urlsplit(url).path)):
                seen(route, found.groupdict())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, help="the same requests each run; without it, new ones")
    parser.add_argument("--per-route", type=int, default=5, help="posts per route, role and organization")
    parser.add_argument("--pages", type=int, default=30, help="pages each role visits")
    parser.add_argument("--at-least", type=int, default=4000)
    args = parser.parse_args()
    rng_seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    setup = Setup(
        "forms", VOXLOOP_THEMES_SECONDS="0", VOXLOOP_TEXT_RETRAIN_SECONDS="0",
        VOXLOOP_PUBLIC_RATE_PER_IP="100000/minute", VOXLOOP_PUBLIC_RATE_PER_ORG="100000/minute",
        VOXLOOP_LOGIN_FAILURES_PER_IP="100000/minute", VOXLOOP_WEBHOOK_ALLOW_PRIVATE="true",
    )  # fmt: skip
    os.environ.update(setup.env)  # the routers are read with the server's settings
    try:
        routes = web_routes()
    except BaseException:
        setup.drop()
        raise
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = setup.start("serve", "--port", str(port))
    orgs = ["north", "south"]
    tally: dict[str, Counter[str]] = {}
    errors: list[str] = []
    started = time.monotonic()
    try:
        wait_up(f"{base}/api/v1/health")
        # Each administrator's pages first: the forms' fields, and each organization's ids.
        for org in orgs:
            public, staff = seed(setup, base, org)
            admin = Client(base, org, "admin", tally.setdefault(f"{org}/admin", Counter()), errors)
            admin.login()
            signed_out = Client(base, org, "signed out", tally[f"{org}/admin"], errors)
            forms = [
                f for url in ["/login", *public] if (page := signed_out.get_page(url)) for f in page.forms
            ]
            crawled, pages = admin.crawl(args.pages * 2)
            forms += [f for url in staff if (page := admin.get_page(url)) for f in page.forms]
            learn(routes, org, forms + crawled + admin.staged(), pages | set(staff))
        # a page that takes neither a query nor an id has nothing to fuzz
        routes = [r for r in routes if r.method == "POST" or r.body or r.forms or r.params]
        unseen = [r.path for r in routes if r.method == "POST" and not r.forms]
        for path in unseen:
            print(f"{path}: on no page; posted with its declared fields and unknown ids")
        for org in orgs:
            for role in ROLES:
                tally.setdefault(f"{org}/{role}", Counter())

        def each_role(org: str) -> None:
            other = orgs[1 - orgs.index(org)]
            for role in ROLES:
                key = f"{org}/{role}"
                client = Client(base, org, role, tally[key], errors)
                client.login()
                client.crawl(args.pages)
                rng = random.Random(f"{rng_seed}/{key}")  # each role's requests, whatever the other org does
                for route in routes:
                    n = args.per_route if route.method == "POST" else args.per_route // 2
                    fuzz_route(client, route, other, rng, n)
                # signed out, the same forms: the sign-in page or a 403, never a 5xx
                anonymous = Client(base, org, f"{role} signed out", tally[key], errors)
                anonymous.get_page("/login")
                for route in rng.sample(routes, k=min(8, len(routes))):
                    fuzz_route(anonymous, route, other, rng, 1)

        # the two organizations at once: one client parses pages while the server answers the other
        with ThreadPoolExecutor(len(orgs)) as pool:
            list(pool.map(each_role, orgs))
    finally:
        kill9(server)
        log = Path(f"/tmp/{setup.db}/serve.log").read_text()
        Path("/tmp/fuzz_forms.log").write_text(log)
        setup.drop()
    for line in errors[:40]:
        print(line)
    print(f"{'role':<16}{'requests':>10}{'5xx':>6}{'no answer':>11}")
    for key, c in tally.items():
        print(f"{key:<16}{c['requests']:>10}{c['5xx']:>6}{c['connection errors']:>11}")
    total = sum(tally.values(), Counter[str]())
    posts, gets = sum(r.method == "POST" for r in routes), sum(r.method == "GET" for r in routes)
    print(
        f"web forms (seed {rng_seed}): {total['requests']:,} requests to {posts} POST and {gets} GET routes "
        f"in {time.monotonic() - started:.0f} s, {total['5xx']} answered with a server error, "
        f"{total['connection errors']} not answered; {log.count('Traceback')} tracebacks in the server's log"
    )
    print(f"POST routes on no page (declared fields only): {', '.join(unseen) or 'none'}")
    failed = total["5xx"] or total["connection errors"] or total["requests"] < args.at_least or unseen
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

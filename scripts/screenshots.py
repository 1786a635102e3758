"""Screenshots of the demo database for the README (a maintainer's tool, not run by CI).

Usage, with the demo served by scripts/demo (ACMX_PORT, default 8069):
    ~/.local/share/account_collections_mx/venv/bin/pip install playwright
    ~/.local/share/account_collections_mx/venv/bin/python scripts/screenshots.py \
        [--url http://127.0.0.1:8069] [--db collections_demo] [--chromium /usr/bin/chromium] [--only NAME ...]
Writes static/description/screenshots/*.png. The accountant's screens are taken as the
Invoicing administrator (admin/admin: sees Approve / Reject in the review tray), the
worklists as the demo collector (cobranza/cobranza: "My customers" are hers), the
customer's page at phone width without login.
"""

import argparse
import pathlib
import xmlrpc.client

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "description" / "screenshots"

# name: the file name; user: "admin" or "collector"; xmlid: the record (or None); url: with
# {id} (the record) or {match} (the review-tray suggestion of that bank line); click: the
# name of a notebook page, "@row" (open the first row of a list), "@groups" (open every
# group of a grouped list but the first) or None; height: of the window.
SHOTS = [
    {
        "name": "invoice_form",
        "user": "admin",
        "xmlid": "account_collections_mx.demo_inv_esp_p3",
        "url": "/odoo/action-account.action_move_out_invoice_type/{id}",
        "click": "collections",
    },
    {
        "name": "partner_tab",
        "user": "admin",
        "xmlid": "account_collections_mx.demo_partner_bajio",
        "url": "/odoo/action-account.res_partner_action_customer/{id}",
        "click": "collections",
        "height": 1250,
    },
    {
        "name": "invoices_to_collect",
        "user": "collector",
        "url": "/odoo/action-account_collections_mx.account_move_collection_action",
        "click": "@groups",
    },
    {
        "name": "customers_to_collect",
        "user": "collector",
        "url": "/odoo/action-account_collections_mx.collection_customer_action",
    },
    {"name": "contact_log", "user": "admin", "url": "/odoo/action-account_collections_mx.collection_event_action"},
    {
        "name": "payment_plan",
        "user": "admin",
        "xmlid": "account_collections_mx.demo_plan_bajio",
        "url": "/odoo/action-account_collections_mx.collection_payment_plan_action/{id}",
    },
    {"name": "review_tray", "user": "admin", "url": "/odoo/action-account_collections_mx.collection_match_action"},
    {
        "name": "review_tray_line",
        "user": "admin",
        "xmlid": "account_collections_mx.demo_stl_multi",
        "url": "/odoo/action-account_collections_mx.collection_match_action/{match}",
    },
    {
        "name": "weekly_summary",
        "user": "admin",
        "url": "/odoo/action-account_collections_mx.collection_summary_action",
        "click": "@row",
        "height": 1500,
    },
    {"name": "analysis", "user": "admin", "url": "/odoo/action-account_collections_mx.collection_analysis_action"},
]


def login(browser, args, user, password):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{args.url}/web/login?db={args.db}")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/odoo**")
    return page


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="collections_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--collector-login", default="cobranza")
    parser.add_argument("--collector-password", default="cobranza")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="take these screenshots only (file names)")
    args = parser.parse_args()
    common = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common")
    uid = common.authenticate(args.db, args.login, args.password, {})
    models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object")

    def ref(xmlid):
        module, name = xmlid.split(".")
        found = models.execute_kw(
            args.db,
            uid,
            args.password,
            "ir.model.data",
            "search_read",
            [[("module", "=", module), ("name", "=", name)]],
            {"fields": ["res_id"]},
        )
        return found and found[0]["res_id"]

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        pages = {
            "admin": login(browser, args, args.login, args.password),
            "collector": login(browser, args, args.collector_login, args.collector_password),
        }
        for shot in SHOTS:
            name, click = shot["name"], shot.get("click")
            if args.only and name not in args.only:
                continue
            record_id = match_id = None
            if shot.get("xmlid"):
                record_id = ref(shot["xmlid"])
                if not record_id:
                    print(f"skip {name}: no {shot['xmlid']}")
                    continue
            if "{match}" in shot["url"]:  # the review-tray suggestion of a bank line
                found = models.execute_kw(
                    args.db,
                    uid,
                    args.password,
                    "collection.match",
                    "search",
                    [[("statement_line_id", "=", record_id)]],
                    {"limit": 1},
                )
                match_id = found and found[0]
            page = pages[shot["user"]]
            page.set_viewport_size({"width": 1440, "height": shot.get("height", 900)})
            try:
                page.goto(args.url + shot["url"].format(id=record_id, match=match_id))
                page.wait_for_selector(".o_action_manager .o_view_controller", timeout=15000)
                if click == "@row":
                    page.click(".o_data_row .o_data_cell >> nth=0")
                    page.wait_for_selector(".o_form_view", timeout=15000)
                elif click == "@groups":
                    page.wait_for_selector(".o_group_header", timeout=15000)
                    for index in range(1, page.locator(".o_group_header").count()):
                        page.locator(".o_group_header").nth(index).click()
                        page.wait_for_timeout(400)
                elif click:
                    page.click(f".o_notebook .nav-link[name='{click}']")  # the page's name: any language
                page.wait_for_timeout(1200)
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"wrote {name}.png")
            except Exception as error:  # a screen of a feature not in this database
                print(f"skip {name}: {error}")
        # the customer's page as a customer sees it on a phone (no login)
        partner_id = ref("account_collections_mx.demo_partner_monterrey")
        if args.only and "customer_page" not in args.only:
            partner_id = None
        rows = partner_id and models.execute_kw(
            args.db,
            uid,
            args.password,
            "collection.portal.access",
            "search_read",
            [[("partner_id", "=", partner_id)]],
            {"fields": ["access_token"], "limit": 1},
        )
        if rows:
            phone = browser.new_context(
                viewport={"width": 412, "height": 915}, device_scale_factor=2, is_mobile=True, has_touch=True
            )
            page = phone.new_page()
            page.goto(f"{args.url}/mi-estado-de-cuenta/{rows[0]['id']}-{rows[0]['access_token']}")
            page.wait_for_selector(".o_acmx_customer_page", timeout=15000)
            page.screenshot(path=str(OUT / "customer_page.png"), full_page=True)
            print("wrote customer_page.png")
        elif partner_id:
            print("skip customer_page: no page for the demo customer")
        browser.close()


if __name__ == "__main__":
    main()

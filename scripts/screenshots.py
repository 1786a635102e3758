"""Screenshots of the demo database for the README (a maintainer's tool, not run by CI).

Usage, with the demo served by scripts/demo on 127.0.0.1:8069:
    python -m venv /tmp/shots && /tmp/shots/bin/pip install playwright
    /tmp/shots/bin/python scripts/screenshots.py [--chromium /usr/bin/chromium]
Writes static/description/screenshots/*.png.
"""

import argparse
import pathlib
import xmlrpc.client

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "description" / "screenshots"

# (file name, xml id of the record or None, url template, what to click: the name of a
#  notebook page, "@row" for the first row of a list, or None)
SHOTS = [
    ("invoice_form", "account_collections_mx.demo_inv_esp_p3",
     "/odoo/action-account.action_move_out_invoice_type/{id}", "collections"),
    ("partner_tab", "account_collections_mx.demo_partner_bajio",
     "/odoo/action-base.action_partner_form/{id}", "collections"),
    ("invoices_to_collect", None, "/odoo/action-account_collections_mx.account_move_collection_action", None),
    ("contact_log", None, "/odoo/action-account_collections_mx.collection_event_action", None),
    ("review_tray", None, "/odoo/action-account_collections_mx.collection_match_action", None),
    ("review_tray_line", "account_collections_mx.demo_stl_multi",
     "/odoo/action-account_collections_mx.collection_match_action/{match}", None),
    ("weekly_summary", None, "/odoo/action-account_collections_mx.collection_summary_action", "@row"),
    ("analysis", None, "/odoo/action-account_collections_mx.collection_analysis_action", None),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="collections_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    common = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common")
    uid = common.authenticate(args.db, args.login, args.password, {})
    models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{args.url}/web/login?db={args.db}")
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_url("**/odoo**")
        for name, xmlid, url, tab in SHOTS:
            record_id = None
            if xmlid:
                module, ref = xmlid.split(".")
                found = models.execute_kw(args.db, uid, args.password, "ir.model.data", "search_read",
                                          [[("module", "=", module), ("name", "=", ref)]],
                                          {"fields": ["res_id"]})
                if not found:
                    print(f"skip {name}: no {xmlid}")
                    continue
                record_id = found[0]["res_id"]
            match_id = None
            if "{match}" in url:  # the review-tray suggestion of a bank line
                found = models.execute_kw(args.db, uid, args.password, "collection.match", "search",
                                          [[("statement_line_id", "=", record_id)]], {"limit": 1})
                match_id = found and found[0]
            try:
                page.goto(args.url + url.format(id=record_id, match=match_id))
                page.wait_for_selector(".o_action_manager .o_view_controller", timeout=15000)
                if tab == "@row":
                    page.click(".o_data_row .o_data_cell >> nth=0")
                    page.wait_for_selector(".o_form_view", timeout=15000)
                elif tab:
                    page.click(f".o_notebook .nav-link[name='{tab}']")  # the page's name: any language
                page.wait_for_timeout(1200)
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"wrote {name}.png")
            except Exception as error:  # a screen of a feature not in this database
                print(f"skip {name}: {error}")
        # the customer's page as a customer sees it on a phone (no login)
        found = models.execute_kw(args.db, uid, args.password, "ir.model.data", "search_read",
                                  [[("module", "=", "account_collections_mx"),
                                    ("name", "=", "demo_partner_monterrey")]],
                                  {"fields": ["res_id"]})
        rows = found and models.execute_kw(
            args.db, uid, args.password, "collection.portal.access", "search_read",
            [[("partner_id", "=", found[0]["res_id"])]], {"fields": ["access_token"], "limit": 1})
        if rows:
            phone = browser.new_context(viewport={"width": 412, "height": 915},
                                        device_scale_factor=2, is_mobile=True, has_touch=True)
            page = phone.new_page()
            page.goto(f"{args.url}/mi-estado-de-cuenta/{rows[0]['id']}-{rows[0]['access_token']}")
            page.wait_for_selector(".o_acmx_customer_page", timeout=15000)
            page.screenshot(path=str(OUT / "customer_page.png"), full_page=True)
            print("wrote customer_page.png")
        else:
            print("skip customer_page: no page for the demo customer")
        browser.close()


if __name__ == "__main__":
    main()

"""The customer's own page: ``/mi-estado-de-cuenta/<token>``, no login needed.

The token opens one customer of one company (see models/collection_portal_access.py);
a malformed, unknown, wrong or reset token is a plain 404, whatever part was wrong.
Every read and write below runs as superuser, but only after the token check and only
on the records of that customer in that company: invoice ids posted by the browser are
checked to be open invoices of that customer in that company before anything is done.

Forms are posted with Odoo's CSRF token, limited per link (tools/portal.py), validated
with messages in the customer's language, and applied in a savepoint: a refused form
leaves nothing behind but its line in the contact log.
"""

from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from ..models.collection_portal_access import PORTAL_ROUTE

ACTIONS = ("promise", "dispute", "proof", "preferences")
#: form fields that carry several values (checkboxes)
LIST_FIELDS = ("move_ids",)
#: form fields kept to fill a refused form again (never a file, never the CSRF token)
KEPT_FIELDS = ("move_ids", "move_id", "date", "amount", "comment", "reason", "preference")
#: a frontend page (the website's layout and context when the website app is installed),
#: never in the sitemap; its language is the customer's, not taken from the URL
FRONTEND = {"website": True, "multilang": False, "sitemap": False}
SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Referrer-Policy", "no-referrer"),  # the link never leaks to the sites it points to
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
]


class CollectionCustomerPage(http.Controller):
    # ------------------------------------------------------------------ helpers
    def _collection_access(self, token):
        access = request.env["collection.portal.access"].sudo()._collection_from_token(token)
        if not access:
            raise NotFound()
        return access.with_company(access.company_id)

    def _collection_lang(self, access, wanted=None):
        """The page speaks the customer's language (es_MX first), or the one chosen."""
        installed = [code for code, _name in request.env["res.lang"].get_installed()]
        for code in (
            wanted,
            access.partner_id.lang,
            access.company_id.partner_id.lang,
            "es_MX",
            "es_419",
            "es_ES",
            "en_US",
        ):
            if code and code in installed:
                return code
        return installed[0]

    def _collection_prepare(self, token, lang=None):
        access = self._collection_access(token)
        lang = self._collection_lang(access, lang)
        request.update_context(lang=lang)
        return access.with_context(lang=lang), lang

    def _collection_ip(self):
        return request.httprequest.remote_addr or ""

    def _collection_done_messages(self):
        return {
            "promise": _(
                "Thank you! Your promise to pay is recorded: we hold the reminders of "
                "these invoices until the promised date."
            ),
            "dispute": _(
                "Thank you, we received your report. Someone from our team will "
                "contact you; the reminders of this invoice stop meanwhile."
            ),
            "proof": _(
                "Thank you! We received your proof of payment. We will check it within "
                "two business days and hold the reminders meanwhile."
            ),
            "preferences": _("Your contact preferences are saved."),
        }

    def _collection_render(self, access, lang, status=200, **extra):
        values = access._collection_page_values()
        installed = request.env["res.lang"].get_installed()
        token = access._collection_token()
        form = extra.pop("form", None) or {}
        values.update(
            {
                "lang": lang,
                "lang_tag": lang.replace("_", "-"),
                "langs": [
                    (code, name.split("/")[0].strip()) for code, name in installed if code.split("_")[0] in ("es", "en")
                ],
                "base_path": f"{PORTAL_ROUTE}/{token}",
                "title": _("Statement of account — %s", access.company_id.name),
                "form": form,
                "form_moves": {str(i) for i in (form.get("move_ids") or [])},
                "open_section": extra.get("open_section"),
                "done_message": extra.get("done_message"),
                "done": extra.get("done"),
                "error": extra.get("error"),
                "info": extra.get("info"),
                "preselect": {str(i) for i in extra.get("preselect") or []},
            }
        )
        response = request.render(
            "account_collections_mx.customer_page", values, status=status, headers=SECURITY_HEADERS
        )
        return response

    def _collection_form(self):
        form = request.httprequest.form
        params = {}
        for key in KEPT_FIELDS:
            if key in LIST_FIELDS:
                params[key] = form.getlist(key)
            elif key in form:
                params[key] = form.get(key)
        return params

    # ------------------------------------------------------------------ routes
    @http.route(f"{PORTAL_ROUTE}/<string:token>", type="http", auth="public", methods=["GET"], **FRONTEND)
    def collection_page(self, token, lang=None, done=None, **_kw):
        access, lang = self._collection_prepare(token, lang)
        if not request.env.user._is_internal():  # a collector looking is not the customer
            access._collection_log_visit(ip=self._collection_ip())
        message = self._collection_done_messages().get(done)
        return self._collection_render(access, lang, done_message=message, done=done if message else None)

    @http.route(
        f"{PORTAL_ROUTE}/<string:token>/<string:action>", type="http", auth="public", methods=["POST"], **FRONTEND
    )
    def collection_submit(self, token, action, **_kw):
        access, lang = self._collection_prepare(token, request.httprequest.form.get("lang"))
        if action not in ACTIONS:
            raise NotFound()
        params = self._collection_form()
        if access._collection_rate_exceeded():
            return self._collection_render(
                access,
                lang,
                status=429,
                open_section=action,
                form=params,
                error=_("Too many requests from this page. Please try again in an hour or contact us."),
            )
        ip = self._collection_ip()
        files = request.httprequest.files
        try:
            with request.env.cr.savepoint():
                result = access._collection_submit(action, params, files=files, ip=ip)
        except UserError as error:  # ValidationError included: bad input, nothing written
            access._collection_log_refused(action, params, files, str(error), ip=ip)
            return self._collection_render(access, lang, status=400, open_section=action, form=params, error=str(error))
        if isinstance(result, dict) and result.get("ask_proof"):
            move = result["ask_proof"]
            return self._collection_render(
                access,
                lang,
                open_section="proof",
                preselect=move.ids,
                info=_(
                    "If you already paid %s, send us your proof of payment below: we will "
                    "check it and hold the reminders meanwhile.",
                    move.name,
                ),
            )
        return request.redirect(f"{PORTAL_ROUTE}/{token}?done={action}&lang={lang}#acmx_done", code=303, local=True)

    @http.route(
        f"{PORTAL_ROUTE}/<string:token>/invoice/<int:move_id>/<string:kind>",
        type="http",
        auth="public",
        methods=["GET"],
        **FRONTEND,
    )
    def collection_document(self, token, move_id, kind, **_kw):
        if kind not in ("pdf", "xml"):
            raise NotFound()
        access, _lang = self._collection_prepare(token)
        document = access._collection_document(move_id, kind)
        if not document:
            raise NotFound()
        content, mimetype, name = document
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Length", str(len(content))),
                ("Content-Disposition", content_disposition(name)),
                *SECURITY_HEADERS,
            ],
        )

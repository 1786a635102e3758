import logging

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq

_logger = logging.getLogger(__name__)


class CollectionsPaymentPlan(http.Controller):
    """The page of a payment plan the customer opens from the proposal email: it shows
    the invoices and instalments and, while the plan is proposed, an *Accept* button
    (a POST form with Odoo's CSRF token).  Only the plan's access token opens it."""

    def _plan_from_token(self, plan_id, access_token):
        plan = request.env["collection.payment.plan"].sudo().browse(plan_id).exists()
        if not plan or not access_token or not plan.access_token or not consteq(plan.access_token, str(access_token)):
            raise NotFound()
        lang = plan.partner_id.commercial_partner_id.lang
        if lang:
            request.update_context(lang=lang)
        return plan.with_context(lang=lang) if lang else plan

    @http.route(
        "/collections/plan/<int:plan_id>", type="http", auth="public", methods=["GET"], website=True, sitemap=False
    )
    def plan_page(self, plan_id, access_token=None, **params):
        plan = self._plan_from_token(plan_id, access_token)
        return request.render(
            "account_collections_mx.payment_plan_page",
            {
                "plan": plan,
                "access_token": access_token,
                "accepted": bool(params.get("accepted")),
                "error": None,
            },
        )

    @http.route(
        "/collections/plan/<int:plan_id>/accept",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
        website=True,
        sitemap=False,
    )
    def plan_accept(self, plan_id, access_token=None, **_params):
        plan = self._plan_from_token(plan_id, access_token)
        if plan.state == "proposed":
            try:
                plan._collection_accept("web")
            except UserError as error:
                return request.render(
                    "account_collections_mx.payment_plan_page",
                    {"plan": plan, "access_token": access_token, "accepted": False, "error": str(error)},
                )
        return request.redirect(plan.get_portal_url(query_string="&accepted=1"))

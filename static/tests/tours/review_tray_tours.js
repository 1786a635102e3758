/** @odoo-module */
// Browser tours of the bank-payment review tray, run by
// tests/test_review_tray_tours.py (HttpCase, headless Chromium).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function openReviewTray() {
    return [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open Invoicing ▸ Collections",
            trigger: ".o_menu_sections [data-menu-xmlid='account_collections_mx.collections_menu']",
            run: "click",
        },
        {
            content: "Open the Review tray",
            trigger: ".dropdown-menu [data-menu-xmlid='account_collections_mx.collection_match_menu']",
            run: "click",
        },
        {
            content: "The tray opens filtered on what is to review",
            trigger: ".o_searchview .o_facet_value:contains(To review)",
        },
        {
            content: "... grouped by reason",
            trigger: ".o_searchview .o_facet_value:contains(Reason)",
        },
    ];
}

function openGroup(reason) {
    return {
        content: `Unfold the "${reason}" group`,
        trigger: `.o_group_header:contains(${reason})`,
        run: "click",
    };
}

registry.category("web_tour.tours").add("acmx_review_tray_approve", {
    steps: () => [
        ...openReviewTray(),
        openGroup("Partial payment"),
        {
            content: "Open the suggestion of the partial payment",
            trigger: ".o_data_row td:contains(ABONO TOUR APROBAR)",
            run: "click",
        },
        {
            content: "The form shows the bank line: its label...",
            trigger: ".o_form_view .oe_title div[name=payment_ref]:contains(ABONO TOUR APROBAR)",
        },
        {
            content: "... its entry and amount",
            trigger: ".o_form_view div[name=statement_line_id] a:contains(BNK), .o_form_view div[name=statement_line_id]:contains(BNK)",
        },
        {
            content: "... the amount paid",
            trigger: ".o_form_view div[name=amount]:contains(400.00)",
        },
        {
            content: "... the ranked candidates with their score and why",
            trigger: ".o_form_view div[name=candidate_ids] .o_data_row td[name=why]:contains(reference)",
        },
        {
            content: "Approve",
            trigger: ".o_form_view .o_form_statusbar button[name=action_approve]",
            run: "click",
        },
        {
            content: "The suggestion is approved",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Nothing left to decide on it",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_approve]))",
        },
    ],
});

registry.category("web_tour.tours").add("acmx_review_tray_reject", {
    steps: () => [
        ...openReviewTray(),
        openGroup("Partial payment"),
        {
            content: "Open the suggestion to reject",
            trigger: ".o_data_row td:contains(ABONO TOUR RECHAZAR)",
            run: "click",
        },
        {
            content: "Why it is rejected",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Note)",
            run: "click",
        },
        {
            content: "Write the note",
            trigger: ".o_form_view div[name=note] textarea",
            run: "edit No es de este cliente",
        },
        {
            content: "Reject",
            trigger: ".o_form_view .o_form_statusbar button[name=action_reject]",
            run: "click",
        },
        {
            content: "The suggestion is rejected",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Rejected)",
        },
    ],
});

registry.category("web_tour.tours").add("acmx_review_tray_bulk_approve", {
    steps: () => [
        ...openReviewTray(),
        openGroup("Partial payment"),
        {
            content: "Select the first payment",
            trigger: ".o_data_row:contains(ABONO TOUR LOTE 1) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Select the second payment",
            trigger: ".o_data_row:contains(ABONO TOUR LOTE 2) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Two rows selected",
            trigger: ".o_list_selection_box:contains(2)",
        },
        {
            content: "Approve the selection",
            trigger: ".o_control_panel button[name=action_approve]",
            run: "click",
        },
        {
            content: "Both are reconciled",
            trigger: ".o_notification:contains(2 payment(s) reconciled)",
        },
        {
            content: "... and left the tray",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(ABONO TOUR LOTE)))",
        },
    ],
});

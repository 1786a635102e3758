/** @odoo-module */
// Browser tours of account_collections_mx, run by tests/test_tours.py (HttpCase).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("acmx_pause_customer", {
    steps: () => [
        {
            content: "Open the Collections tab of the customer",
            trigger: ".o_notebook .nav-link:contains(Collections)",
            run: "click",
        },
        {
            content: "Pause collections",
            trigger: "button[name=action_collection_pause]",
            run: "click",
        },
        {
            content: "Reason: payment plan",
            trigger: ".modal div[name=reason] select",
            run: 'select "payment_plan"',
        },
        {
            content: "Why",
            trigger: ".modal div[name=note] textarea",
            run: "edit Plan de pagos acordado por teléfono",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The customer shows as paused",
            trigger: ".alert-warning:contains(Automatic collections are paused)",
        },
        {
            content: "Resume is offered",
            trigger: "button[name=action_collection_resume]",
        },
    ],
});

registry.category("web_tour.tours").add("acmx_policy_add_stage", {
    steps: () => [
        {
            content: "Add a stage",
            trigger: "div[name=stage_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Days from due date",
            trigger: "div[name=stage_ids] .o_selected_row div[name=offset_days] input",
            run: "edit 30",
        },
        {
            content: "Name",
            trigger: "div[name=stage_ids] .o_selected_row div[name=name] input",
            run: "edit Llamada del gerente",
        },
        {
            content: "Channel: internal task",
            trigger: "div[name=stage_ids] .o_selected_row div[name=channel] select",
            run: 'select "activity"',
        },
        ...stepUtils.saveForm(),
        {
            content: "The new stage is listed",
            trigger: "div[name=stage_ids] td:contains(Llamada del gerente)",
        },
    ],
});

registry.category("web_tour.tours").add("acmx_settings_window", {
    steps: () => [
        {
            content: "Contact window start: 06:00 (illegal in Mexico)",
            trigger: "div[name=collection_window_start] input",
            run: "edit 06:00",
        },
        {
            content: "Save the settings",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The legal limit is explained",
            trigger: ".modal:contains(07:00 and 22:00)",
        },
        {
            content: "Close the error",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Contact window start: 07:30 (legal)",
            trigger: "div[name=collection_window_start] input",
            run: "edit 07:30",
        },
        {
            content: "Save the settings",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the form is clean again",
            trigger: "body:not(:has(.o_form_dirty)) div[name=collection_window_start] input",
        },
    ],
});

/** @odoo-module */
// The customer's page on a phone, in Spanish, run by tests/test_customer_page.py
// (TestCustomerPageHttp.test_tour_in_spanish) as an anonymous visitor. Steps find
// elements by their ids and classes, never by their (translated) texts.

import { registry } from "@web/core/registry";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

function isoDaysAfter(iso, days) {
    const day = new Date(`${iso}T12:00:00Z`);
    day.setUTCDate(day.getUTCDate() + days);
    return day.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("acmx_customer_page", {
    steps: () => [
        {
            content: "The page speaks the customer's language (es_MX)",
            trigger: "html[lang='es-MX'] .o_acmx_customer_page #acmx_summary .acmx_total",
        },
        {
            content: "Copy the SPEI reference",
            trigger: "#acmx_transfer button[data-acmx-copy]:last",
            run: "click",
        },
        {
            content: "Copied",
            trigger: "#acmx_transfer .acmx_copied",
        },
        // ---------------------------------------------------------- promise to pay
        {
            content: "Open 'Promise to pay'",
            trigger: "#acmx_promise summary",
            run: "click",
        },
        {
            content: "Only the oldest invoice: untick the second one",
            trigger: "#acmx_promise .acmx_invoice_choice .form-check:nth-child(2) input:checked",
            run: "click",
        },
        {
            content: "Pay in three days",
            trigger: "#acmx_promise #promise_date",
            run() {
                const input = this.anchor;
                input.value = isoDaysAfter(input.getAttribute("min"), 3);
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "Amount",
            trigger: "#acmx_promise #promise_amount",
            run: "edit 1000",
        },
        {
            content: "Send the promise",
            trigger: "#acmx_promise .acmx_submit",
            run: "click",
        },
        {
            content: "Recorded",
            trigger: "#acmx_done[data-done=promise]",
        },
        // ---------------------------------------------------------- report a problem
        {
            content: "Open 'Report a problem'",
            trigger: "#acmx_dispute summary",
            run: "click",
        },
        {
            content: "The second invoice",
            trigger: "#acmx_dispute #dispute_move",
            run: "selectByIndex 1",
        },
        {
            content: "Goods not received",
            trigger: "#acmx_dispute #reason_not_received",
            run: "click",
        },
        {
            content: "Comment",
            trigger: "#acmx_dispute #dispute_comment",
            run: "edit No recibimos la mercancía",
        },
        {
            content: "Send",
            trigger: "#acmx_dispute .acmx_submit",
            run: "click",
        },
        {
            content: "Received, and the invoice shows it",
            trigger: "#acmx_done[data-done=dispute]",
        },
        {
            content: "Its status changed",
            trigger: ".acmx_invoice:nth-child(2) .acmx_status.text-bg-warning",
        },
        // ---------------------------------------------------------- proof of payment
        {
            content: "Open 'Send a proof of payment'",
            trigger: "#acmx_proof summary",
            run: "click",
        },
        {
            content: "Choose the photo of the transfer",
            trigger: "#acmx_proof #proof_file",
            run() {
                const bytes = new Uint8Array(200);
                bytes.set(PNG);
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], "comprobante.png", { type: "image/png" }));
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "It pays the third invoice",
            trigger: "#acmx_proof .acmx_invoice_choice .form-check:nth-child(3) input",
            run: "click",
        },
        {
            content: "Send the proof",
            trigger: "#acmx_proof .acmx_submit",
            run: "click",
        },
        {
            content: "Received",
            trigger: "#acmx_done[data-done=proof]",
        },
        // ---------------------------------------------------------- preferences
        {
            content: "Open 'Contact preferences'",
            trigger: "#acmx_preferences summary",
            run: "click",
        },
        {
            content: "No more WhatsApp",
            trigger: "#acmx_preferences #pref_no_whatsapp",
            run: "click",
        },
        {
            content: "Save",
            trigger: "#acmx_preferences .acmx_submit",
            run: "click",
        },
        {
            content: "Saved",
            trigger: "#acmx_done[data-done=preferences]",
        },
        {
            content: "Open the preferences again",
            trigger: "#acmx_preferences summary",
            run: "click",
        },
        {
            content: "WhatsApp is off",
            trigger: "#acmx_preferences .acmx_no_whatsapp",
        },
    ],
});

/** @odoo-module */
// The customer's page (/mi-estado-de-cuenta/...): "Copy" buttons for the CLABE, the
// beneficiary and the SPEI reference. Works without the Clipboard API too (plain http).

function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
        return navigator.clipboard.writeText(text).catch(() => copyWithSelection(text));
    }
    return copyWithSelection(text);
}

function copyWithSelection(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
        document.execCommand("copy");
    } finally {
        area.remove();
    }
    return Promise.resolve();
}

document.addEventListener("click", (ev) => {
    const button = ev.target.closest && ev.target.closest("[data-acmx-copy]");
    if (!button) {
        return;
    }
    ev.preventDefault();
    button.classList.add("text-success", "acmx_copied");
    setTimeout(() => button.classList.remove("text-success"), 1500);
    copyText(button.dataset.acmxCopy);
});

{
    "name": "Accounts Receivable Collections (Mexico / LatAm)",
    "summary": "Reminder cadences by email and WhatsApp, pause and dispute handling, "
    "Mexican contact rules, CFDI data, bank-statement matching and a review tray",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "account_collections_mx contributors",
    "website": "https://github.com/account-collections-mx/account_collections_mx",
    "depends": ["account", "mail", "l10n_mx"],
    "external_dependencies": {"python": ["requests", "lxml", "stdnum"]},
    "data": [
        "security/collections_security.xml",
        "security/ir.model.access.csv",
        "views/collections_menus.xml",
        "data/cfdi_cron_data.xml",
        "views/account_move_cfdi_views.xml",
        "views/res_partner_cfdi_views.xml",
        "wizards/collection_cfdi_import_views.xml",
    ],
    "demo": [],
    "installable": True,
    "application": False,
}

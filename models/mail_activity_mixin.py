from odoo import models


class MailActivityMixin(models.AbstractModel):
    _inherit = "mail.activity.mixin"

    def _collection_task(self, user, texts, activity_type="mail.mail_activity_data_todo", **values):
        """Give ``user`` a task on this record, its summary and note in the user's language
        (whoever runs the code: a cron has none, a customer's page has the customer's).

        :param texts: called with this record in the user's language, returns
            ``(summary, note)`` (built with ``_()`` and ``format_*`` on that record)
        :param activity_type: xml id or record of the activity type
        :param values: other ``activity_schedule`` values (``date_deadline``...)
        """
        record = self.with_context(lang=user._collection_lang())
        summary, note = texts(record)
        if not isinstance(activity_type, str):
            values["activity_type_id"] = activity_type.id
            activity_type = ""
        return record.activity_schedule(activity_type, summary=summary, note=note, user_id=user.id, **values)

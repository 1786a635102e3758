import logging
import time

import requests

from odoo import api, models

from ..tools import sat_status

_logger = logging.getLogger(__name__)

URL_PARAM = "account_collections_mx.sat_status_url"
TIMEOUT_PARAM = "account_collections_mx.sat_status_timeout"
ATTEMPTS = 3


class CollectionSatService(models.AbstractModel):
    """The only place that talks to the SAT (ConsultaCFDIService, CFDI status).

    The URL is the system parameter ``account_collections_mx.sat_status_url`` (default: the
    SAT's public service), the timeout ``account_collections_mx.sat_status_timeout``
    (seconds, 10 by default).
    Network errors are retried; the answer is read by ``tools/sat_status.py``.
    """

    _name = "collection.sat.service"
    _description = "SAT CFDI status service"

    @api.model
    def _sat_url(self):
        return self.env["ir.config_parameter"].sudo().get_param(URL_PARAM) or sat_status.DEFAULT_URL

    @api.model
    def _sat_timeout(self):
        """Seconds to connect, then to wait for the answer, of one request (10 by default)."""
        try:
            return float(self.env["ir.config_parameter"].sudo().get_param(TIMEOUT_PARAM) or 10)
        except ValueError:
            return 10.0

    @api.model
    def _consulta(self, issuer_rfc, receiver_rfc, total, uuid, attempts=ATTEMPTS):
        """Status of one CFDI: dict with ``status`` (valid / cancelled / not_found / error),
        ``message`` and the SAT fields (code, state, cancellable, cancellation_status).

        :param attempts: tries on a network error (the cron tries once: it comes back later)
        """
        body = sat_status.build_envelope(issuer_rfc, receiver_rfc, total, uuid)
        url, timeout = self._sat_url(), self._sat_timeout()
        last_error = None
        for attempt in range(1, attempts + 1):
            try:
                response = requests.post(url, data=body, headers=sat_status.headers(), timeout=timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = exc
                _logger.info("SAT status of %s: attempt %s failed: %s", uuid, attempt, exc)
                if attempt < attempts:
                    time.sleep(0.2 * attempt)
                continue
            except requests.RequestException as exc:
                last_error = exc
                break
            try:
                answer = sat_status.parse_response(response.content)
            except sat_status.SatResponseError as exc:
                _logger.warning("SAT status of %s: HTTP %s, unusable answer: %s", uuid, response.status_code, exc)
                return {"status": "error", "message": "HTTP %s: %s" % (response.status_code, exc)}
            answer["message"] = " / ".join(
                x for x in (answer["state"], answer["code"], answer["cancellation_status"]) if x
            )
            return answer
        _logger.warning("SAT status of %s: service unreachable: %s", uuid, last_error)
        return {"status": "error", "message": str(last_error)[:250]}

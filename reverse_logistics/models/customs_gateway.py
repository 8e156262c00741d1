from odoo import api, fields, models
from odoo.exceptions import UserError

# The SOAP client module re-exports the contract names used here (GatewayConfig, CONTRACT_WSDL).
from ..returns_lib.customs import soap_client as gateway_lib


class CustomsGateway(models.Model):
    """Where declarations are submitted: the addon's SOAP contract, or a national adapter."""

    _name = "customs.gateway"
    _description = "Customs Gateway"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    adapter = fields.Selection(
        [("soap_contract", "Reverse Logistics SOAP contract")], required=True, default="soap_contract",
        help="National gateways are added by modules that extend this list and _get_adapter().",
    )
    environment = fields.Selection([("test", "Test"), ("production", "Production")], default="test", required=True)
    wsdl = fields.Char(
        "WSDL", help="URL or file path of the WSDL. Empty: the contract shipped with the addon."
    )
    endpoint = fields.Char(help="Address of the service, overriding the WSDL's.")
    service_name = fields.Char("WSDL Service", help="Service of the WSDL to use when it declares several.")
    port_name = fields.Char("WSDL Port", help="Port of that service.")
    timeout = fields.Float("Timeout (s)", default=30.0)
    max_attempts = fields.Integer(default=8, help="Retries of a submission before a person is asked to look.")
    # Credentials are readable by system administrators only.
    username = fields.Char(groups="base.group_system")
    password = fields.Char(groups="base.group_system")
    certificate_file = fields.Char("X.509 Certificate (PEM path)", groups="base.group_system")
    key_file = fields.Char("Private Key (PEM path)", groups="base.group_system")

    def _get_config(self):
        self.ensure_one()
        # sudo: the credentials are hidden from users, not from the code that submits for them.
        gateway = self.sudo()
        return gateway_lib.GatewayConfig(
            wsdl=gateway.wsdl or str(gateway_lib.CONTRACT_WSDL),
            endpoint=gateway.endpoint or None,
            environment=gateway.environment,
            service=gateway.service_name or None,
            port=gateway.port_name or None,
            timeout=gateway.timeout or 30.0,
            username=gateway.username or None,
            password=gateway.password or None,
            certificate_file=gateway.certificate_file or None,
            key_file=gateway.key_file or None,
        )

    def _get_adapter(self):
        """The client for this gateway; override to plug in a national adapter."""
        self.ensure_one()
        if self.adapter == "soap_contract":
            return gateway_lib.SoapGatewayClient(self._get_config())
        raise UserError(self.env._("Gateway %s has no adapter.", self.name))

    @api.model
    def _for_company(self, company):
        return self.search([("company_id", "=", company.id)], limit=1)


class CustomsExchange(models.Model):
    """One call to a customs gateway, archived as sent and received."""

    _name = "customs.exchange"
    _description = "Customs Gateway Exchange"
    _order = "id desc"

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    operation = fields.Char(required=True)
    request = fields.Binary(attachment=True)
    response = fields.Binary(attachment=True)
    request_sha256 = fields.Char("Request SHA-256")
    response_sha256 = fields.Char("Response SHA-256")
    http_status = fields.Integer()
    duration = fields.Float("Duration (s)")
    error = fields.Text()

    @api.model
    def _prepare_values(self, declaration, exchange):
        import base64

        return {
            "declaration_id": declaration.id,
            "operation": exchange.operation,
            "request": base64.b64encode(exchange.request) if exchange.request else False,
            "response": base64.b64encode(exchange.response) if exchange.response else False,
            "request_sha256": exchange.request_sha256 if exchange.request else False,
            "response_sha256": exchange.response_sha256 or False,
            "http_status": exchange.http_status or 0,
            "duration": exchange.duration,
            "error": exchange.error or False,
        }

    @api.depends("declaration_id.lrn", "operation")
    def _compute_display_name(self):
        for exchange in self:
            exchange.display_name = ": ".join(filter(None, (exchange.declaration_id.lrn, exchange.operation)))

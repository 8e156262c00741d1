# pylint: disable=consider-merging-classes-inherited
# customs.declaration is extended per business concept, one file each.
from odoo import models

from ..returns_lib.customs import eori_service


class CustomsDeclaration(models.Model):
    _inherit = "customs.declaration"

    def _check_vat_online(self):
        """EU VAT numbers of the parties, checked in VIES; an unreachable VIES is noted, not blocking."""
        from stdnum.eu import vat as eu_vat  # pylint: disable=import-outside-toplevel

        partners = (self.declarant_id | self.importer_id | self.exporter_id | self.representative_id)
        messages = []
        for partner in partners.commercial_partner_id.filtered("vat"):
            number = partner.vat.replace(" ", "").upper()
            if number[:2].lower() not in eu_vat.MEMBER_STATES:
                continue
            try:
                answer = eu_vat.check_vies(number, timeout=10)
            except Exception as error:  # pylint: disable=broad-except
                # zeep, requests and SOAP faults alike mean "VIES unavailable" here.
                self.message_post(
                    body=self.env._(
                        "VIES could not be reached (%(error)s): VAT number %(vat)s was checked offline only.",
                        error=type(error).__name__, vat=number,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            if not answer["valid"]:
                messages.append(self.env._("%(partner)s: VAT number %(vat)s is not valid in VIES.",
                                           partner=partner.name, vat=number))
        return messages

    def _check_eori_online(self):
        """EORI numbers of every party as the message states them (the company's EORI included), asked
        of the EU service; a service outage is noted, not blocking."""
        declaration = self._to_declaration()
        roles = {
            self.env._("Declarant"): declaration.declarant,
            self.env._("Importer"): declaration.importer,
            self.env._("Exporter"): declaration.exporter,
            self.env._("Representative"): declaration.representative,
        }
        numbers = {
            role: party.eori.replace(" ", "").upper() for role, party in roles.items() if party and party.eori
        }
        # The EU service knows EU (and XI) numbers only; GB numbers are checked by HMRC's service.
        numbers = {role: number for role, number in numbers.items() if not number.startswith("GB")}
        if not numbers:
            return []
        client = eori_service.EoriValidationClient(
            self.company_id.customs_eori_service_url or eori_service.EORI_ENDPOINT, timeout=10
        )
        try:
            results = client.validate(sorted(set(numbers.values())))
        except eori_service.EoriServiceUnavailable as error:
            self.message_post(body=str(error), subtype_xmlid="mail.mt_note")
            return []
        return [
            self.env._("%(role)s: EORI %(eori)s is not registered (EU EORI service: %(status)s).",
                       role=role, eori=number, status=results[number].status_text)
            for role, number in numbers.items()
            if number in results and not results[number].valid
        ]

"""WS-Security X.509 signature of SOAP requests, as a zeep ``wsse`` plugin.

zeep's own ``zeep.wsse.signature.Signature`` needs python-xmlsec, whose binary wheels bundle a libxml2
that must be the very version lxml was built with, and is not the one of the lxml Odoo 18 pins: importing
it fails ("lxml & xmlsec libxml2 library version mismatch"). This module signs with ``cryptography``
(an Odoo requirement) and lxml's exclusive C14N instead, in the layout of the WS-Security 1.0 X.509 token
profile that gateways expect:

- ``wsse:BinarySecurityToken``: the certificate (X509v3, base64 DER);
- ``wsu:Timestamp`` (Created, Expires);
- ``ds:Signature`` over the SOAP Body and the Timestamp (exclusive C14N, SHA-256 digests,
  RSA-SHA256), its ``ds:KeyInfo`` pointing at the token.

Responses are not verified (the contract does not sign them; TLS protects them in production).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from pathlib import Path

from lxml import etree

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SOAP_ENVELOPES = ("http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope")


class WsseConfigurationError(ValueError):
    """The key or certificate cannot be used to sign."""


def canonical(element) -> bytes:
    """Exclusive XML canonicalization (without comments) of ``element`` and its subtree."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _load_key_and_certificate(key_file, cert_file, password):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key_data = Path(key_file).read_bytes()
        cert_data = Path(cert_file).read_bytes()
    except OSError as error:
        raise WsseConfigurationError(f"Cannot read the WS-Security key or certificate: {error}") from error
    try:
        key = serialization.load_pem_private_key(key_data, password.encode() if password else None)
    except (ValueError, TypeError) as error:
        raise WsseConfigurationError(f"{key_file} is not a PEM private key this password opens ({error}).") from error
    try:
        if b"-----BEGIN" in cert_data:
            certificate = x509.load_pem_x509_certificate(cert_data)
        else:
            certificate = x509.load_der_x509_certificate(cert_data)
    except ValueError as error:
        raise WsseConfigurationError(f"{cert_file} is not an X.509 certificate ({error}).") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise WsseConfigurationError("Only RSA keys can sign WS-Security messages here.")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if key.public_key().public_bytes(encoding, public) != certificate.public_key().public_bytes(encoding, public):
        raise WsseConfigurationError("The private key does not belong to the certificate.")
    return key, certificate


class X509Signature:
    """zeep wsse plugin signing the Body and a fresh Timestamp with an RSA key and its X.509 certificate."""

    def __init__(self, key_file, cert_file, password=None, expires_in=300, clock=None):
        self.key, self.certificate = _load_key_and_certificate(key_file, cert_file, password)
        self.expires_in = expires_in
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    def apply(self, envelope, headers):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        soap = etree.QName(envelope).namespace
        if soap not in SOAP_ENVELOPES:
            raise ValueError(f"Not a SOAP envelope: {envelope.tag}")
        header = envelope.find(f"{{{soap}}}Header")
        if header is None:
            header = etree.Element(f"{{{soap}}}Header")
            envelope.insert(0, header)
        body = envelope.find(f"{{{soap}}}Body")
        security = header.find(f"{{{WSSE}}}Security")
        if security is None:
            security = etree.SubElement(header, f"{{{WSSE}}}Security")
            security.set(f"{{{soap}}}mustUnderstand", "1")

        now = self.clock().astimezone(dt.timezone.utc).replace(microsecond=0)
        timestamp = etree.Element(f"{{{WSU}}}Timestamp")
        etree.SubElement(timestamp, f"{{{WSU}}}Created").text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        expires = now + dt.timedelta(seconds=self.expires_in)
        etree.SubElement(timestamp, f"{{{WSU}}}Expires").text = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        token = etree.Element(f"{{{WSSE}}}BinarySecurityToken", EncodingType=BASE64, ValueType=X509V3)
        token.text = base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode()
        security.insert(0, timestamp)
        security.insert(1, token)
        ids = {}
        for name, element in (("body", body), ("ts", timestamp), ("x509", token)):
            ids[name] = element.get(f"{{{WSU}}}Id") or f"{name}-{uuid.uuid4().hex}"
            element.set(f"{{{WSU}}}Id", ids[name])
        # Declare the WS-Security prefixes once, on the envelope, before anything is digested.
        etree.cleanup_namespaces(envelope, top_nsmap={"wsse": WSSE, "wsu": WSU})

        signature = etree.SubElement(security, f"{{{DS}}}Signature", nsmap={"ds": DS})
        signed_info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
        etree.SubElement(signed_info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(signed_info, f"{{{DS}}}SignatureMethod", Algorithm=RSA_SHA256)
        for element, reference_id in ((body, ids["body"]), (timestamp, ids["ts"])):
            reference = etree.SubElement(signed_info, f"{{{DS}}}Reference", URI=f"#{reference_id}")
            transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
            etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
            etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
            digest = hashlib.sha256(canonical(element)).digest()
            etree.SubElement(reference, f"{{{DS}}}DigestValue").text = base64.b64encode(digest).decode()
        value = self.key.sign(canonical(signed_info), padding.PKCS1v15(), hashes.SHA256())
        etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
        key_info = etree.SubElement(signature, f"{{{DS}}}KeyInfo")
        token_reference = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        etree.SubElement(token_reference, f"{{{WSSE}}}Reference", URI=f"#{ids['x509']}", ValueType=X509V3)
        return envelope, headers

    def verify(self, envelope):
        return envelope


class WsseChain:
    """Several wsse plugins applied in turn (zeep accepts a list for apply, but not for verify)."""

    def __init__(self, *plugins):
        self.plugins = plugins

    def apply(self, envelope, headers):
        for plugin in self.plugins:
            envelope, headers = plugin.apply(envelope, headers)
        return envelope, headers

    def verify(self, envelope):
        for plugin in self.plugins:
            envelope = plugin.verify(envelope)
        return envelope

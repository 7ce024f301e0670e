"""Schemathesis hooks for ccbridge's OpenAPI document (loaded with SCHEMATHESIS_HOOKS=hooks).

tests/e2e/schemathesis.rs starts the local stack and runs schemathesis twice against it:

- CCBRIDGE_SCHEMATHESIS_MODE=authenticated: every request carries the credential its operation
  declares (the secrets come from the environment the test sets, which are the test
  configuration's), the two HMAC signatures computed over the body exactly as sent, and the
  card's path segment is a live signed link, so the operations are exercised past their checks.
- CCBRIDGE_SCHEMATHESIS_MODE=anonymous: no credentials at all, and the check
  `protected_operations_need_credentials` requires 401 from every operation that declares a
  security scheme.
"""

import base64
import hashlib
import hmac
import os

import requests
import schemathesis

MODE = os.environ.get("CCBRIDGE_SCHEMATHESIS_MODE", "authenticated")

# Security scheme name -> (header, value), for the schemes that are a plain secret.
HEADERS = {
    "uis_channel_token": ("X-UIS-Channel-Token", os.environ.get("CCBRIDGE_UIS_TOKEN", "")),
    "uis_api_key": ("X-API-KEY", os.environ.get("CCBRIDGE_UIS_API_KEY", "")),
    "wde_api_key": ("X-API-KEY", os.environ.get("CCBRIDGE_WDE_API_KEY", "")),
    "chatbot_api_key": ("X-API-Key", os.environ.get("CCBRIDGE_CHATBOT_API_KEY", "")),
    "agent_states_api_key": ("X-API-KEY", os.environ.get("CCBRIDGE_AGENT_STATES_API_KEY", "")),
    # Any UIS or WDE channel's key opens the CRM API for its tenant: the UIS one here.
    "crm_api_key": ("X-API-KEY", os.environ.get("CCBRIDGE_UIS_API_KEY", "")),
}

# The YetiForce paths of the WDE webservice are exercised with the signature, ccbridge's own
# paths with the key: both ways in, on the same methods.
SIGNED_WDE = "/webservice/PBX/GenesysWdeWhirly/"


def schemes(operation):
    """The security scheme names an operation declares (the first alternative that has any)."""
    for requirement in operation.definition.raw.get("security", []):
        if requirement:
            return list(requirement)
    return []


class HmacSignature(requests.auth.AuthBase):
    """Signs the prepared body, so the signature covers the very bytes sent."""

    def __init__(self, header, secret, prefix):
        self.header, self.secret, self.prefix = header, secret.encode(), prefix

    def __call__(self, request):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        digest = hmac.new(self.secret, body, hashlib.sha256).digest()
        request.headers[self.header] = self.prefix + base64.b64encode(digest).decode()
        return request


if MODE == "authenticated":

    @schemathesis.auth(refresh_interval=None)
    class Credentials:
        def get(self, case, context):
            if context.operation.path.startswith(SIGNED_WDE):
                return None
            for scheme in schemes(context.operation):
                if scheme in HEADERS:
                    return HEADERS[scheme]
            return None

        def set(self, case, header, context):
            name, value = header
            case.headers = case.headers or {}
            case.headers[name] = value

    schemathesis.auth.set_from_requests(
        HmacSignature("X-Hub-Signature-256", os.environ.get("CCBRIDGE_GENESYS_WEBHOOK_SECRET", ""), "sha256=")
    ).apply_to(path="/genesys/messaging/webhook")
    schemathesis.auth.set_from_requests(
        HmacSignature("X-API-SIGNATURE", os.environ.get("CCBRIDGE_WDE_API_KEY", ""), "")
    ).apply_to(path_regex="^" + SIGNED_WDE)

    @schemathesis.hook
    def map_path_parameters(context, path_parameters):
        """The card's operations get the live link the test registered; any other is a 403."""
        if context.operation.path.startswith("/card/") and path_parameters is not None:
            path_parameters = dict(path_parameters)
            path_parameters["token"] = os.environ["CCBRIDGE_CARD_TOKEN"]
        return path_parameters

else:
    # Schemathesis generates the headers of the security schemes like any other; without
    # credentials means none of them is sent.
    SECURITY_HEADERS = {"x-uis-channel-token", "x-api-key", "x-api-signature", "x-hub-signature-256"}

    @schemathesis.hook
    def map_headers(context, headers):
        if headers is None:
            return headers
        return {name: value for name, value in headers.items() if name.lower() not in SECURITY_HEADERS}

    @schemathesis.check
    def protected_operations_need_credentials(ctx, response, case):
        """Without credentials, an operation that declares a security scheme answers 401."""
        if schemes(case.operation) and response.status_code != 401:
            raise AssertionError(
                f"{case.operation.label} declares {schemes(case.operation)} but answered "
                f"{response.status_code} without credentials"
            )

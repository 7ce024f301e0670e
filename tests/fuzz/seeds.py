"""Writes the seed corpora of the fuzz targets (tests/fuzz/seeds/<target>/) from the sample
events in events/ (the provider bodies inside their API Gateway payloads) and the sample
configuration documents. Run by run.sh; the output is committed, so it stays small."""

import base64
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "fuzz" / "seeds"
# The order of ccbridge::uis::notification::EventKind::ALL: a UIS seed's first byte.
UIS_KINDS = ["incoming_call_started", "outgoing_call_started", "conversation_started", "call_finished"]
# The order the wde_request target reads its first byte in.
WDE_MEDIA = ["application/json", "application/x-www-form-urlencoded"]
WDE_METHODS = ["registerInteraction", "updateInteraction", "registerInteractionCampaign"]


def events(function):
    for path in sorted((ROOT / "events" / function).glob("*.json")):
        event = json.loads(path.read_text())
        body = event.get("body") or ""
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        yield path.stem, event, headers, raw


def write(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def main():
    for function in ["uis-call-started", "uis-call-finished"]:
        for name, event, headers, raw in events(function):
            kind = event["rawPath"].rsplit("/", 1)[-1]
            form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
            target = "uis_notification_form" if form else "uis_notification_json"
            write(target, name, bytes([UIS_KINDS.index(kind)]) + raw)
    for name, event, headers, raw in events("wde-interaction"):
        media = headers.get("content-type", "application/json").split(";")[0]
        method = event["rawPath"].rsplit("/", 1)[-1]
        pick = WDE_MEDIA.index(media) + 3 * WDE_METHODS.index(method)
        query = event.get("rawQueryString") or ""
        write("wde_request", name, bytes([pick]) + raw + (b"\0" + query.encode() if query else b""))
    for name, event, headers, raw in events("genesys-messaging-inbound"):
        write("genesys_webhook", name, headers.get("x-hub-signature-256", "").encode() + b"\0" + raw)
    for name, event, headers, raw in events("chat-escalation"):
        if raw:
            write("chat_post", name, raw)
    for name, event, headers, raw in events("screen-pop"):
        token = (event.get("pathParameters") or {}).get("token")
        if token:
            write("card_token", name, token.encode())
    # Cursors as the listings hand them out: a table page and an index page.
    for name, keys in [
        ("call-notifications", {"pk": "CALL#uis-demo#3409127754", "sk": "EVENT#call_finished#ab12"}),
        ("contact-calls", {"gsi1pk": "CALLS#uis-demo#cd82fd2356807d94750df", "gsi1sk": "2026-11-21T10:15:03",
                           "pk": "CALL#uis-demo#3409127754", "sk": "CALL"}),
    ]:
        token = base64.urlsafe_b64encode(json.dumps(keys, separators=(",", ":")).encode()).rstrip(b"=")
        write("cursor", name, token)
    write("cursor", "transcript", base64.urlsafe_b64encode(b"MSG#00000001764583829000000#demo").rstrip(b"="))
    for name, path in [("local", ROOT / "local" / "ccbridge.toml"), ("tests", ROOT / "tests" / "support" / "config.toml")]:
        write("config_document", name, path.read_bytes())


if __name__ == "__main__":
    main()

"""The mailer against a real SMTP server on loopback (aiosmtpd) and a real outbox folder.

What a user would notice: the email arrives with the right sender, recipient, subject and
readable text in Greek and Spanish; nobody else can be slipped in as a recipient; marketing
mail can be unsubscribed from; a wrong setting gives a sentence that says what to fix (never the
password); and each refusal or failure ends up as the right Mail log status.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from automations.mail.mailer import Mailer, MailerError, SendOutcome, SendResult
from automations.mail.message import KEY_HEADER, build_message, message_id
from automations.mail.outbox import OutboxMailer, outbox_filename
from automations.mail.smtp import NOT_ATTEMPTED, SmtpMailer
from sheet_schema.model import Email
from tests.smtp_server import (
    HOST,
    Received,
    SmtpTestServer,
    smtp_server,
    smtp_tls_server,
    tls_client_context,
    tls_files,
)

__all__ = ["smtp_server", "smtp_tls_server", "tls_client_context", "tls_files"]

NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
SENDER = "hola@aceites-example.es"
SENDER_NAME = "Aceites Κρήτη"
PASSWORD = "qwer-tyui-opas-dfgh"  # looks like a Gmail app password

GREEK = Email(
    key="birthday:C-0007:2026",
    to="giorgos@example.gr",
    to_name="Γιώργος Παπαδόπουλος",
    subject="Χρόνια πολλά, Γιώργο!",
    body_text="Αγαπητέ Γιώργο,\n\nΧρόνια πολλά και καλά!\nΗ ομάδα μας\n",
    body_html="<p>Αγαπητέ Γιώργο,</p>\n<p>Χρόνια πολλά και καλά!</p>\n",
    template="birthday",
    customer_id="C-0007",
    kind="birthday",
)
SPANISH = Email(
    key="welcome:C-0042",
    to="jose.nunez@example.es",
    to_name="José Ñúñez",
    subject="¡Bienvenido, José! Señal de 10 €",
    body_text="Hola José,\n\n¡Gracias por confiar en nosotros! Año 2026, señal de 10 €.\n",
    body_html="<p>Hola José,</p>\n<p>¡Gracias por confiar en nosotros!</p>\n",
    template="welcome",
    customer_id="C-0042",
    kind="welcome",
)


def build(email: Email, unsubscribe_to: str = "") -> EmailMessage:
    """The message for ``email`` from the shop, at NOW."""
    return build_message(email, SENDER, SENDER_NAME, NOW, unsubscribe_to=unsubscribe_to)


def smtp_for(
    server: SmtpTestServer,
    *,
    security: str = "none",
    username: str = "",
    password: str = "",
    timeout: float = 2.0,
    ssl_context: ssl.SSLContext | None = None,
) -> SmtpMailer:
    """A mailer for a test server, with a short timeout."""
    return SmtpMailer(
        HOST,
        server.port,
        username=username,
        password=password,
        security=security,
        timeout=timeout,
        local_hostname="client.test",
        ssl_context=ssl_context,
    )


def send_one(mailer: Mailer, message: EmailMessage) -> SendResult:
    """Open a session, send one message, close."""
    with mailer.session() as session:
        return session.send(message)


def text_part(message: EmailMessage) -> str:
    """The decoded plain-text body, with MIME's CRLF line ends back to LF."""
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def html_part(message: EmailMessage) -> str:
    """The decoded HTML body, with LF line ends."""
    part = message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where nothing listens (bound, so nobody else takes it meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections but never says anything (like an SSL port
    reached without SSL)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen(4)
        yield int(sock.getsockname()[1])


# ----------------------------------------------------------------------------- what arrives


@pytest.mark.parametrize("email", [GREEK, SPANISH], ids=["greek", "spanish"])
def test_message_arrives_with_headers_and_both_parts(
    smtp_server: SmtpTestServer, email: Email
) -> None:
    result = send_one(smtp_for(smtp_server), build(email))

    assert result == SendResult(SendOutcome.SENT)
    [received] = smtp_server.received()
    assert received.mail_from == SENDER
    assert received.rcpt_tos == (email.to,)
    # 7-bit on the wire: any server takes it, no 8BITMIME needed.
    assert received.data.isascii()
    message = received.message()
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (SENDER_NAME, SENDER)
    [recipient] = message["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (email.to_name, email.to)
    assert message["Subject"] == email.subject
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"] == message_id(email.key, "aceites-example.es")
    assert message[KEY_HEADER] == email.key
    assert message.get_content_type() == "multipart/alternative"
    assert text_part(message) == email.body_text
    assert html_part(message) == email.body_html


def test_plain_text_only_when_there_is_no_html(smtp_server: SmtpTestServer) -> None:
    email = replace(SPANISH, body_html=None)

    send_one(smtp_for(smtp_server), build(email))

    message = smtp_server.received()[0].message()
    assert message.get_content_type() == "text/plain"
    assert text_part(message) == email.body_text


def test_message_id_is_stable_for_a_key_and_differs_between_keys() -> None:
    first = build(GREEK)
    later = build_message(GREEK, SENDER, SENDER_NAME, NOW + timedelta(days=1))
    other = build(replace(GREEK, key="birthday:C-0007:2027"))

    assert first["Message-ID"] == later["Message-ID"]
    assert first["Message-ID"] != other["Message-ID"]
    assert str(first["Message-ID"]).endswith("@aceites-example.es>")


def test_date_keeps_the_offset_given() -> None:
    madrid_winter = timezone(timedelta(hours=1))

    message = build_message(GREEK, SENDER, SENDER_NAME, NOW.astimezone(madrid_winter))

    assert str(message["Date"]).endswith("+0100")
    assert parsedate_to_datetime(str(message["Date"])) == NOW


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_message(GREEK, SENDER, SENDER_NAME, NOW.replace(tzinfo=None))


# ------------------------------------------------------------------- nobody else gets it


def test_line_breaks_in_names_and_subject_cannot_add_recipients_or_headers(
    smtp_server: SmtpTestServer,
) -> None:
    injected = replace(
        GREEK,
        to_name="Bob\r\nBcc: victim@evil.example",
        subject="Hello\r\nBcc: victim@evil.example\r\n\r\nFake body",
    )
    message = build_message(injected, SENDER, "Shop\nCc: other@evil.example", NOW)

    result = send_one(smtp_for(smtp_server), message)

    assert result.outcome is SendOutcome.SENT
    [received] = smtp_server.received()
    assert received.rcpt_tos == (GREEK.to,)
    arrived = received.message()
    assert arrived["Bcc"] is None and arrived["Cc"] is None
    assert [a.addr_spec for a in arrived["To"].addresses] == [GREEK.to]
    assert [a.addr_spec for a in arrived["From"].addresses] == [SENDER]
    assert arrived["Subject"] == "Hello Bcc: victim@evil.example Fake body"
    assert text_part(arrived) == GREEK.body_text


@pytest.mark.parametrize(
    "name",
    [
        "Eve, Mallory <mallory@evil.example>",
        # Long names that Python 3.11's header folder would otherwise unquote or split with
        # an empty line (which ends the headers and drops To/Subject).
        "a\\b \\b:a.\\a:ba:\\) (\\a \\\\ . ):a \\.(abb.( \\\\b(:..a :ba):\\b(\\.\\):b",
        "x" * 100 + " " + "y" * 100,
        "Κατάστημα (Ελαιόλαδο), Παπαδόπουλος και Υιοί: <mallory@evil.example>, " * 3,
    ],
    ids=["address-in-name", "specials", "long-words", "long-greek"],
)
def test_any_display_name_gives_exactly_one_recipient_and_intact_headers(
    smtp_server: SmtpTestServer, name: str
) -> None:
    email = replace(SPANISH, to="c" * 58 + "@example.es", to_name=name)

    send_one(smtp_for(smtp_server), build(email))

    [received] = smtp_server.received()
    assert received.rcpt_tos == (email.to,)
    arrived = received.message()
    assert [a.addr_spec for a in arrived["To"].addresses] == [email.to]
    assert arrived["Subject"] == SPANISH.subject
    assert arrived[KEY_HEADER] == SPANISH.key
    assert text_part(arrived) == SPANISH.body_text


@pytest.mark.parametrize(
    "address",
    ["", "not an address", "ana@example.es, eve@evil.example", "ana@example.es\r\nBcc: x@y.z"],
    ids=["empty", "no-at", "two", "line-break"],
)
def test_an_unusable_recipient_address_is_a_value_error_naming_it(address: str) -> None:
    with pytest.raises(ValueError, match="recipient address"):
        build(replace(SPANISH, to=address))


def test_an_international_domain_is_sent_in_ascii_form(smtp_server: SmtpTestServer) -> None:
    email = replace(SPANISH, to="ana@bücher.example")

    send_one(smtp_for(smtp_server), build(email))

    assert smtp_server.received()[0].rcpt_tos == ("ana@xn--bcher-kva.example",)


def test_a_non_ascii_mailbox_name_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="outside ASCII before the @"):
        build(replace(SPANISH, to="josé@example.es"))


def test_a_message_for_two_recipients_is_not_sent(smtp_server: SmtpTestServer) -> None:
    message = build(SPANISH)
    message["Cc"] = "eve@evil.example"

    result = send_one(smtp_for(smtp_server), message)

    assert result.outcome is SendOutcome.FAILED and not result.temporary
    assert "exactly one recipient" in result.error
    assert smtp_server.received() == []


# ----------------------------------------------------------------------------- unsubscribe


def test_marketing_mail_carries_a_mailto_unsubscribe_header(smtp_server: SmtpTestServer) -> None:
    campaign = replace(SPANISH, key="campaign:CMP-0001:C-0042", marketing=True, kind="campaign")
    # A long address: the header must still arrive as a plain <mailto:...>, not encoded words.
    unsubscribe = "unsubscribe.requests.for.the.newsletter@aceites-example.es"

    send_one(smtp_for(smtp_server), build(campaign, unsubscribe_to=unsubscribe))
    arrived = smtp_server.received()[0].message()

    assert arrived["List-Unsubscribe"] == f"<mailto:{unsubscribe}?subject=unsubscribe>"
    assert arrived["List-Unsubscribe-Post"] is None


def test_marketing_unsubscribe_goes_to_the_sender_by_default() -> None:
    message = build(replace(SPANISH, marketing=True))

    assert message["List-Unsubscribe"] == f"<mailto:{SENDER}?subject=unsubscribe>"


def test_other_mail_has_no_unsubscribe_header() -> None:
    assert build(SPANISH)["List-Unsubscribe"] is None
    assert build(SPANISH, unsubscribe_to="bajas@aceites-example.es")["List-Unsubscribe"] is None


# ------------------------------------------------------------------- connecting, logging in


def test_login_with_the_right_password_sends(smtp_server: SmtpTestServer) -> None:
    smtp_server.require_login(SENDER, PASSWORD)

    result = send_one(smtp_for(smtp_server, username=SENDER, password=PASSWORD), build(GREEK))

    assert result.outcome is SendOutcome.SENT
    assert smtp_server.logins == [(SENDER, True)]
    assert len(smtp_server.received()) == 1


def test_a_wrong_password_says_what_to_check_without_the_password(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.require_login(SENDER, PASSWORD)
    wrong = "my-old-gmail-password"
    mailer = smtp_for(smtp_server, username=SENDER, password=wrong)

    with pytest.raises(MailerError) as caught:
        send_one(mailer, build(GREEK))

    text = str(caught.value)
    assert f"{HOST}:{smtp_server.port}" in text
    assert "app password" in text and SENDER in text
    assert wrong not in text and PASSWORD not in text
    assert wrong not in repr(mailer) and wrong not in mailer.describe()
    # smtplib tries each mechanism the server offers (PLAIN, then LOGIN); none got in.
    assert smtp_server.logins and all(not ok for _, ok in smtp_server.logins)
    assert smtp_server.received() == []


def test_a_server_that_wants_a_login_when_none_is_set_stops_the_batch(
    smtp_server: SmtpTestServer,
) -> None:
    # 530 at MAIL FROM is about the account, not this recipient: every next message would meet
    # it too, so the batch stops (nothing is marked Failed) and the message says what to set.
    smtp_server.require_login(SENDER, PASSWORD)

    with pytest.raises(MailerError) as caught:
        send_one(smtp_for(smtp_server), build(GREEK))

    text = str(caught.value)
    assert "530" in text and f"{HOST}:{smtp_server.port}" in text
    assert "SHEETCRM_SMTP_PASSWORD" in text and "wait for the next cycle" in text
    assert smtp_server.received() == []


def test_a_refused_sender_stops_the_batch_and_points_at_the_sender_setting(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.refuse_sender.add(SENDER)

    with pytest.raises(MailerError, match="Sender email") as caught:
        send_one(smtp_for(smtp_server), build(GREEK))

    assert "553" in str(caught.value)
    assert smtp_server.received() == []


def test_relaying_denied_stops_the_batch_and_asks_for_a_login(smtp_server: SmtpTestServer) -> None:
    smtp_server.deny_relay = True

    with pytest.raises(MailerError, match="refuses to relay") as caught:
        send_one(smtp_for(smtp_server), build(GREEK))

    assert "554" in str(caught.value)


def test_a_user_set_for_a_server_without_login_is_explained(smtp_server: SmtpTestServer) -> None:
    with pytest.raises(MailerError, match="does not offer a login"):
        send_one(smtp_for(smtp_server, username=SENDER, password=PASSWORD), build(GREEK))


def test_a_closed_port_names_host_and_port(closed_port: int) -> None:
    mailer = SmtpMailer(HOST, closed_port, security="none", timeout=2.0, local_hostname="c.test")

    with pytest.raises(MailerError) as caught, mailer.session():
        pass

    assert f"{HOST}:{closed_port}" in str(caught.value)
    assert "refused the connection" in str(caught.value)


def test_a_server_that_never_answers_times_out_with_advice(silent_port: int) -> None:
    mailer = SmtpMailer(HOST, silent_port, timeout=0.3, local_hostname="c.test")

    with pytest.raises(MailerError) as caught, mailer.session():
        pass

    text = str(caught.value)
    assert f"{HOST}:{silent_port}" in text and "did not answer within 0.3 seconds" in text
    assert '465 needs "ssl"' in text


def test_an_unknown_host_is_named() -> None:
    mailer = SmtpMailer("smtp.invalid", 587, timeout=2.0, local_hostname="c.test")

    with pytest.raises(MailerError, match=r"'smtp\.invalid' was not found"), mailer.session():
        pass


def test_no_host_is_explained() -> None:
    with pytest.raises(MailerError, match="fill in the SMTP host"), SmtpMailer(" ", 587).session():
        pass


def test_an_unknown_security_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="starttls, ssl, none"):
        SmtpMailer("smtp.example.com", 587, security="tls")


def test_starttls_against_a_server_without_it_is_refused(smtp_server: SmtpTestServer) -> None:
    mailer = smtp_for(smtp_server, security="starttls", username=SENDER, password=PASSWORD)

    with pytest.raises(MailerError) as caught, mailer.session():
        pass

    text = str(caught.value)
    assert "does not offer STARTTLS" in text and f"{HOST}:{smtp_server.port}" in text
    assert PASSWORD not in text
    assert smtp_server.logins == []


def test_starttls_then_login_sends(
    smtp_tls_server: SmtpTestServer, tls_client_context: ssl.SSLContext
) -> None:
    smtp_tls_server.require_login(SENDER, PASSWORD)
    mailer = smtp_for(
        smtp_tls_server,
        security="starttls",
        username=SENDER,
        password=PASSWORD,
        ssl_context=tls_client_context,
    )

    result = send_one(mailer, build(SPANISH))

    assert result.outcome is SendOutcome.SENT
    assert smtp_tls_server.logins == [(SENDER, True)]
    assert text_part(smtp_tls_server.received()[0].message()) == SPANISH.body_text


def test_an_untrusted_certificate_is_refused(smtp_tls_server: SmtpTestServer) -> None:
    # The default context checks the certificate against the system's authorities.
    mailer = smtp_for(smtp_tls_server, security="starttls")

    with pytest.raises(
        MailerError, match=r"certificate of the mail server .* could not be verified"
    ):
        send_one(mailer, build(SPANISH))

    assert smtp_tls_server.received() == []


def test_ssl_on_a_starttls_port_points_at_the_security_setting(
    smtp_tls_server: SmtpTestServer, tls_client_context: ssl.SSLContext
) -> None:
    mailer = smtp_for(smtp_tls_server, security="ssl", ssl_context=tls_client_context)

    with pytest.raises(MailerError) as caught:
        send_one(mailer, build(SPANISH))

    assert 'Check the security setting: port 587 needs security "starttls"' in str(caught.value)


def test_login_without_starttls_where_it_is_required_is_explained(
    smtp_tls_server: SmtpTestServer,
) -> None:
    smtp_tls_server.require_login(SENDER, PASSWORD)
    mailer = smtp_for(smtp_tls_server, username=SENDER, password=PASSWORD)

    with pytest.raises(MailerError, match="only after STARTTLS"):
        send_one(mailer, build(SPANISH))


def test_describe_says_where_without_the_password(smtp_server: SmtpTestServer) -> None:
    mailer = smtp_for(smtp_server, security="starttls", username=SENDER, password=PASSWORD)

    assert mailer.describe() == (f"SMTP server {HOST}:{smtp_server.port} (STARTTLS, user {SENDER})")
    assert PASSWORD not in repr(mailer)


# -------------------------------------------------------------------- refusals and losses


def test_a_refused_recipient_bounces_and_the_session_goes_on(smtp_server: SmtpTestServer) -> None:
    smtp_server.refuse.add(GREEK.to)

    with smtp_for(smtp_server).session() as session:
        bounced = session.send(build(GREEK))
        sent = session.send(build(SPANISH))

    assert bounced.outcome is SendOutcome.BOUNCED and not bounced.temporary
    assert "550" in bounced.error and GREEK.to in bounced.error
    assert sent.outcome is SendOutcome.SENT
    assert [r.rcpt_tos for r in smtp_server.received()] == [(SPANISH.to,)]


def test_a_temporary_refusal_is_a_temporary_failure(smtp_server: SmtpTestServer) -> None:
    smtp_server.defer.add(GREEK.to)

    with smtp_for(smtp_server).session() as session:
        deferred = session.send(build(GREEK))
        sent = session.send(build(SPANISH))

    assert deferred.outcome is SendOutcome.FAILED and deferred.temporary
    assert "451" in deferred.error and GREEK.to in deferred.error
    assert sent.outcome is SendOutcome.SENT
    assert [r.rcpt_tos for r in smtp_server.received()] == [(SPANISH.to,)]


def test_connection_lost_after_data_is_unknown_and_nothing_more_is_tried(
    smtp_server: SmtpTestServer,
) -> None:
    smtp_server.drop_after_data = True

    with smtp_for(smtp_server).session() as session:
        first = session.send(build(GREEK))
        second = session.send(build(SPANISH))

    assert first.outcome is SendOutcome.UNKNOWN
    assert "may or may not have been delivered" in first.error and GREEK.to in first.error
    assert second == SendResult(SendOutcome.WAITING, NOT_ATTEMPTED)  # sent in a later cycle
    # The server did get the first message: this is why UNKNOWN is never retried blindly.
    assert [r.rcpt_tos for r in smtp_server.received()] == [(GREEK.to,)]


def test_no_answer_after_data_is_unknown(smtp_server: SmtpTestServer) -> None:
    # The client gives up waiting for an answer to DATA; the timeout is long enough that
    # connecting never hits it, even on a loaded machine.
    smtp_server.stall_after_data = 60.0

    result = send_one(smtp_for(smtp_server, timeout=5.0), build(GREEK))

    assert result.outcome is SendOutcome.UNKNOWN


def test_connection_lost_before_data_is_a_temporary_failure(smtp_server: SmtpTestServer) -> None:
    smtp_server.drop_at_rcpt = True

    with smtp_for(smtp_server).session() as session:
        first = session.send(build(GREEK))
        second = session.send(build(SPANISH))

    assert first.outcome is SendOutcome.FAILED and first.temporary
    assert "it was not delivered" in first.error
    assert second == SendResult(SendOutcome.WAITING, NOT_ATTEMPTED)  # sent in a later cycle
    assert smtp_server.received() == []


# ------------------------------------------------------------------------------------ outbox


def test_outbox_writes_parseable_eml_files_named_by_key(tmp_path: Path) -> None:
    folder = tmp_path / "mail" / "outbox"
    mailer: Mailer = OutboxMailer(folder)

    with mailer.session() as session:
        results = [session.send(build(GREEK)), session.send(build(SPANISH))]
        again = session.send(build(GREEK))  # same key: the file is replaced, not doubled

    assert results == [SendResult(SendOutcome.SENT)] * 2 and again.outcome is SendOutcome.SENT
    assert sorted(p.name for p in folder.iterdir()) == [
        "birthday_C-0007_2026.eml",
        "welcome_C-0042.eml",
    ]
    data = (folder / "birthday_C-0007_2026.eml").read_bytes()
    message = Received(SENDER, (GREEK.to,), data).message()  # parsed as the SMTP tests do
    assert [a.addr_spec for a in message["To"].addresses] == [GREEK.to]
    assert message["Subject"] == GREEK.subject and message[KEY_HEADER] == GREEK.key
    assert text_part(message) == GREEK.body_text and html_part(message) == GREEK.body_html
    assert str(folder.absolute()) in mailer.describe()


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("campaign:CMP-0001:C-0042", "campaign_CMP-0001_C-0042.eml"),
        (
            'follow-up:D-0003:2026-11-04T10:00 <a/b\\c|d?*"e>',
            "follow-up_D-0003_2026-11-04T10_00_a_b_c_d_e.eml",
        ),
        ("CON", "_CON.eml"),
        ("..", "message.eml"),
    ],
)
def test_outbox_file_names_are_safe_on_windows(key: str, name: str) -> None:
    assert outbox_filename(key) == name


def test_outbox_file_names_stay_short() -> None:
    assert len(outbox_filename("digest:" + "M" * 500)) <= 154


def test_outbox_disk_error_is_a_failed_result_not_an_exception(tmp_path: Path) -> None:
    # A folder where the file should be: the final rename fails, as on a full or broken disk.
    (tmp_path / outbox_filename(GREEK.key)).mkdir()

    with OutboxMailer(tmp_path).session() as session:
        failed = session.send(build(GREEK))
        sent = session.send(build(SPANISH))

    assert failed.outcome is SendOutcome.FAILED
    assert "could not write" in failed.error and "birthday_C-0007_2026.eml" in failed.error
    assert sent.outcome is SendOutcome.SENT
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "birthday_C-0007_2026.eml",
        "welcome_C-0042.eml",
    ]  # no temporary file left behind


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="needs POSIX permissions that apply (root writes to read-only folders)",
)
def test_outbox_read_only_folder_is_a_failed_result(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with OutboxMailer(tmp_path).session() as session:
            result = session.send(build(GREEK))
    finally:
        tmp_path.chmod(0o700)

    assert result.outcome is SendOutcome.FAILED and "could not write" in result.error
    assert list(tmp_path.iterdir()) == []


def test_outbox_folder_that_cannot_be_created_is_a_mailer_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should go")

    with (
        pytest.raises(MailerError, match="Could not create the outbox folder"),
        OutboxMailer(blocker / "outbox").session(),
    ):
        pass

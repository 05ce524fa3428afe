"""gRPC-Web at the protocol level: framing, CORS, deadlines, refusals, and calls meeting the same handlers."""

from __future__ import annotations

import asyncio
import base64
import ssl
import struct
from collections.abc import AsyncIterator
from urllib.parse import unquote

import aiohttp
import pytest
import pytest_asyncio
from momento_wire_types import auth_pb2, token_pb2
from momento_wire_types import permissionmessages_pb2 as pm

from emulator import Settings
from emulator.control import remote_control
from emulator.server import EmulatorServer, PortInUse
from emulator.tls import Certificate, TlsOptions
from emulator.web import MAX_BODY_BYTES, Mode, metadata_of, timeout_of
from tests.builders import START, cache_grant

TEXT = {"Content-Type": "application/grpc-web-text", "X-Grpc-Web": "1"}
BINARY = {"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1"}
MINT = "/token.Token/GenerateDisposableToken"


def framed(message: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(message)) + message


def frames(data: bytes) -> list[tuple[int, bytes]]:
    """A reply body's frames: (flags, payload)."""
    found, at = [], 0
    while at < len(data):
        flags, length = struct.unpack_from(">BI", data, at)
        found.append((flags, data[at + 5 : at + 5 + length]))
        at += 5 + length
    assert at == len(data), "the body ends inside a frame"
    return found


def decoded_text(body: bytes) -> bytes:
    """Text mode: each frame is base64 on its own; decode them one after the other."""
    out, rest = b"", body
    while rest:
        end = rest.find(b"=")
        cut = len(rest) if end == -1 else end + 1
        while cut < len(rest) and rest[cut : cut + 1] == b"=":
            cut += 1
        out += base64.b64decode(rest[:cut])
        rest = rest[cut:]
    return out


def status(frame_list: list[tuple[int, bytes]]) -> dict[str, str]:
    flags, payload = frame_list[-1]
    assert flags == 0x80, "the last frame is the trailer"
    lines = [line for line in payload.decode().split("\r\n") if line]
    return {k: unquote(v) for k, v in (line.split(":", 1) for line in lines)}


def mint_request(key: str, seconds: int = 60) -> bytes:
    request = token_pb2._GenerateDisposableTokenRequest(auth_token=key)
    request.expires.valid_for_seconds = seconds
    request.permissions.CopyFrom(
        pm.Permissions(explicit=pm.ExplicitPermissions(permissions=[cache_grant(pm.CacheReadOnly)]))
    )
    return request.SerializeToString()


@pytest_asyncio.fixture
async def served() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(Settings(start_time=START), web_port=0) as server:
        yield server


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(http: aiohttp.ClientSession, server: EmulatorServer, path: str, body: bytes, **headers: str):
    response = await http.post(server.web_url + path, data=body, headers=headers or TEXT)
    return response, await response.read()


@pytest.mark.asyncio
async def test_text_mode_mints_a_token_that_the_emulator_then_knows(served, http) -> None:
    """A unary call in text mode answers a data frame and an OK trailer, and really reached the handlers."""
    key = served.control.bootstrap().raw_api_key
    response, body = await post(http, served, MINT, base64.b64encode(framed(mint_request(key))))
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/grpc-web-text+proto"
    found = frames(decoded_text(body))
    assert status(found) == {"grpc-status": "0", "grpc-message": ""}
    reply = token_pb2._GenerateDisposableTokenResponse.FromString(found[0][1])
    assert served.control.describe_key(reply.api_key).kind == "disposable_token"
    assert reply.valid_until == int(START) + 60


@pytest.mark.asyncio
async def test_binary_mode_answers_unencoded_frames(served, http) -> None:
    key = served.control.bootstrap().raw_api_key
    response, body = await post(http, served, MINT, framed(mint_request(key)), **BINARY)
    assert response.headers["Content-Type"] == "application/grpc-web+proto"
    found = frames(body)
    assert status(found)["grpc-status"] == "0"
    assert token_pb2._GenerateDisposableTokenResponse.FromString(found[0][1]).api_key


@pytest.mark.asyncio
async def test_a_server_stream_sends_each_message_then_the_trailer(served, http) -> None:
    """Login streams a message and then the session token, as over gRPC."""
    response, body = await post(http, served, "/auth.Auth/Login", base64.b64encode(framed(b"")))
    found = frames(decoded_text(body))
    assert [flags for flags, _ in found] == [0, 0, 0x80]
    assert auth_pb2._LoginResponse.FromString(found[1][1]).logged_in.session_token
    assert status(found)["grpc-status"] == "0"


@pytest.mark.asyncio
async def test_a_refusal_carries_its_status_in_headers_and_trailer(served, http) -> None:
    """A trailers-only answer: grpc-web clients read the status from the headers, others from the trailer."""
    response, body = await post(http, served, MINT, base64.b64encode(framed(mint_request("not-a-key"))))
    assert response.headers["grpc-status"] == "16"
    assert "auth_token" in unquote(response.headers["grpc-message"])
    assert status(frames(decoded_text(body)))["grpc-status"] == "16"


@pytest.mark.asyncio
async def test_faults_and_journal_see_web_calls_like_grpc_calls(served, http) -> None:
    served.control.add_fault("GenerateDisposableToken", "UNAVAILABLE", count=1, message="try later")
    key = served.control.bootstrap().raw_api_key
    _, body = await post(http, served, MINT, base64.b64encode(framed(mint_request(key))))
    assert status(frames(decoded_text(body))) == {"grpc-status": "14", "grpc-message": "try later"}
    entries = served.control.journal(MINT)
    assert [entry.code for entry in entries] == ["UNAVAILABLE"]


@pytest.mark.asyncio
async def test_preflight_from_any_origin_echoes_origin_and_headers(served, http) -> None:
    asked = "authorization,cache,content-type,x-grpc-web,x-user-agent,grpc-timeout,agent,runtime-version"
    response = await http.options(
        served.web_url + "/cache_client.Scs/Get",
        headers={
            "Origin": "http://app.example:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": asked,
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.example:3000"
    assert response.headers["Vary"] == "Origin"
    assert response.headers["Access-Control-Allow-Headers"] == asked  # "*" would not cover authorization
    assert set(response.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.asyncio
async def test_answers_expose_the_status_headers_to_the_page(served, http) -> None:
    response, _ = await post(http, served, MINT, base64.b64encode(framed(b"")), **TEXT, Origin="http://page.example")
    assert response.headers["Access-Control-Allow-Origin"] == "http://page.example"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"grpc-status", "grpc-message"} <= exposed


@pytest.mark.asyncio
async def test_malformed_base64_is_invalid_argument(served, http) -> None:
    response, body = await post(http, served, MINT, b"%%%not base64%%%")
    assert response.headers["grpc-status"] == "3"
    assert "base64" in unquote(response.headers["grpc-message"])
    assert served.control.journal(MINT) == []  # refused before reaching the emulator's handlers


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"\x00\x00", "3", "shorter than a gRPC-Web frame header"),
        (framed(b"abc")[:-1], "3", "the frame says 3 bytes but 2 follow"),
        (framed(b"abc") + framed(b"def"), "3", "one message expected"),
        (framed(b"abc", flags=1), "12", "compressed"),
        (framed(b"abc", flags=0x80), "3", "flags 0x80"),
    ],
)
@pytest.mark.asyncio
async def test_bad_framing_gets_a_deliberate_status(served, http, body: bytes, code: str, words: str) -> None:
    response, _ = await post(http, served, MINT, body, **BINARY)
    assert response.headers["grpc-status"] == code
    assert words in unquote(response.headers["grpc-message"])


@pytest.mark.asyncio
async def test_a_body_of_another_message_is_invalid_argument_from_the_handlers(served, http) -> None:
    _, body = await post(http, served, MINT, framed(b"\xff\xff\xff"), **BINARY)
    found = status(frames(body))
    assert found["grpc-status"] == "3"
    assert "not a valid" in found["grpc-message"]


@pytest.mark.asyncio
async def test_wrong_content_type_is_415(served, http) -> None:
    response = await http.post(
        served.web_url + MINT, data=b"{}", headers={"Content-Type": "application/json", "Origin": "http://x"}
    )
    assert response.status == 415
    assert "application/grpc-web-text" in await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == "http://x"


@pytest.mark.asyncio
async def test_get_is_405(served, http) -> None:
    response = await http.get(served.web_url + MINT)
    assert response.status == 405
    assert response.headers["Allow"] == "POST, OPTIONS"


@pytest.mark.asyncio
async def test_an_oversized_body_is_resource_exhausted(served, http) -> None:
    response, _ = await post(http, served, MINT, b"A" * (MAX_BODY_BYTES + 4))
    assert response.headers["grpc-status"] == "8"
    assert served.control.journal(MINT) == []


@pytest.mark.asyncio
async def test_the_admin_api_is_not_served_to_browsers(served, http) -> None:
    """Any page may call this listener: the admin API (it can export the signing secret) stays off it."""
    response, _ = await post(
        http, served, "/momento_emulator.admin.v1.Admin/ExportState", base64.b64encode(framed(b""))
    )
    assert response.headers["grpc-status"] == "12"
    assert "not served here" in unquote(response.headers["grpc-message"])


@pytest.mark.asyncio
async def test_grpc_timeout_is_honoured(served, http) -> None:
    """A call held by a delay fault ends with DEADLINE_EXCEEDED at the page's deadline, journaled as such."""
    served.control.add_fault("Login", "OK", delay=30.0)
    response, body = await post(
        http, served, "/auth.Auth/Login", base64.b64encode(framed(b"")), **TEXT, **{"grpc-timeout": "300m"}
    )
    assert response.headers["grpc-status"] == "4"


@pytest.mark.asyncio
async def test_a_malformed_grpc_timeout_is_invalid_argument(served, http) -> None:
    response, _ = await post(http, served, MINT, base64.b64encode(framed(b"")), **TEXT, **{"grpc-timeout": "soon"})
    assert response.headers["grpc-status"] == "3"
    assert "grpc-timeout" in unquote(response.headers["grpc-message"])


@pytest.mark.asyncio
async def test_a_page_that_goes_away_cancels_its_call(served, http) -> None:
    """Closing the connection mid-call cancels the upstream call: the journal records it CANCELLED."""
    served.control.add_fault("Login", "OK", delay=30.0)
    request = asyncio.ensure_future(post(http, served, "/auth.Auth/Login", base64.b64encode(framed(b""))))
    for _ in range(400):  # until the call is held by the fault (its hit is counted when taken)
        if served.control.faults()[0].hits:
            break
        await asyncio.sleep(0.025)
    assert served.control.faults()[0].hits == 1
    request.cancel()
    await http.close()  # the connection goes with the session
    for _ in range(400):
        if served.control.journal("Login"):
            break
        await asyncio.sleep(0.025)
    assert [entry.code for entry in served.control.journal("Login")] == ["CANCELLED"]


def test_grpc_timeout_units() -> None:
    assert timeout_of("2H") == 7200
    assert timeout_of("3M") == 180
    assert timeout_of("10S") == 10
    assert timeout_of("250m") == pytest.approx(0.25)
    assert timeout_of("7u") == pytest.approx(7e-6)
    assert timeout_of("9n") == pytest.approx(9e-9)
    assert timeout_of(None) is None


def test_only_call_headers_become_metadata() -> None:
    headers = {
        "Authorization": "key", "cache": "c", "agent": "nodejs:web:1", "Origin": "http://x", "Content-Type": "x",
        "X-Grpc-Web": "1", "grpc-timeout": "1S", "Sec-Fetch-Mode": "cors", "Bad Key": "v", "note": "caf\u00e9",
    }  # fmt: skip
    assert dict(metadata_of(headers)) == {"authorization": "key", "cache": "c", "agent": "nodejs:web:1"}


@pytest.mark.asyncio
async def test_a_taken_web_port_is_refused_and_frees_the_grpc_port(served) -> None:
    taken = int(served.web_url.rsplit(":", 1)[1])
    with pytest.raises(PortInUse, match="gRPC-Web"):
        async with EmulatorServer(Settings(start_time=START), web_port=taken):
            pass


def test_text_mode_decodes_frames_base64_encoded_one_by_one() -> None:
    """Each frame may carry its own padding; the body is the frames' bytes in order."""
    first, second = framed(b"ab"), framed(b"abcd")
    body = base64.b64encode(first) + b"\r\n" + base64.b64encode(second)
    assert Mode(text=True).decode(body) == first + second
    assert Mode(text=True).decode(base64.b64encode(first + second)) == first + second


# --- HTTPS, and where the web URL is found ----------------------------------------------------------


def trusting(certificate: Certificate | None) -> ssl.SSLContext:
    assert certificate is not None
    return ssl.create_default_context(cadata=certificate.ca_pem.decode())


async def mint_over_web(http: aiohttp.ClientSession, server: EmulatorServer, **options: object) -> str:
    """Mint a disposable token through the web listener; the token it answered."""
    body = base64.b64encode(framed(mint_request(server.control.bootstrap().raw_api_key)))
    async with http.post(server.web_url + MINT, data=body, headers=TEXT, **options) as response:  # type: ignore[arg-type]
        found = frames(decoded_text(await response.read()))
    assert status(found)["grpc-status"] == "0"
    return token_pb2._GenerateDisposableTokenResponse.FromString(found[0][1]).api_key


@pytest.mark.asyncio
@pytest.mark.parametrize("tls", [TlsOptions(), TlsOptions(port=0)], ids=["tls-on-the-main-port", "tls-beside"])
async def test_with_tls_the_web_listener_serves_https_with_the_same_certificate(http, tls: TlsOptions) -> None:
    async with EmulatorServer(Settings(start_time=START, endpoint="momento.test"), web_port=0, tls=tls) as server:
        assert server.web_url.startswith("https://127.0.0.1:")
        token = await mint_over_web(http, server, ssl=trusting(server.certificate))
        assert server.control.describe_key(token).kind == "disposable_token"
        with pytest.raises(aiohttp.ClientConnectorCertificateError):  # a client that does not trust the CA
            await http.post(server.web_url + MINT, data=b"", headers=TEXT)
        plain = server.web_url.replace("https://", "http://")
        with pytest.raises(aiohttp.ClientError):  # no plaintext on the HTTPS port
            await http.post(plain + MINT, data=b"", headers=TEXT)


@pytest.mark.asyncio
async def test_bootstrap_names_the_web_url_in_process_and_over_the_admin_api(served) -> None:
    assert served.control.bootstrap().web_url == served.web_url != ""
    with remote_control(served.target) as remote:
        assert (await asyncio.to_thread(remote.bootstrap)).web_url == served.web_url
        assert (await asyncio.to_thread(remote.reset)).web_url == served.web_url  # a reset keeps the listener


@pytest.mark.asyncio
async def test_a_running_server_starts_its_web_listener_on_demand(http) -> None:
    async with EmulatorServer(Settings(start_time=START)) as server:
        assert server.web_url == "" and server.control.bootstrap().web_url == ""
        url = await server.serve_web()
        assert url == server.web_url == server.control.bootstrap().web_url and url.startswith("http://127.0.0.1:")
        assert await server.serve_web() == url  # once
        await mint_over_web(http, server)
    assert server.web_url == ""


@pytest.mark.asyncio
async def test_a_server_with_tls_starts_an_https_web_listener_on_demand(http) -> None:
    async with EmulatorServer(Settings(start_time=START), tls=TlsOptions()) as server:
        assert (await server.serve_web()).startswith("https://")
        await mint_over_web(http, server, ssl=trusting(server.certificate))

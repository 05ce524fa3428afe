"""TLS listeners and the credential forms of drop-in mode, in-process and through ``serve``.

The unmodified SDK paths over TLS, with Momento's names, run in ``test_dropin.py``.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import trustme
from momento.auth import momento_endpoint_resolver as resolver
from momento_wire_types import token_pb2_grpc

from emulator import Settings, ThreadedEmulatorServer
from emulator.core.keys import unwrap
from emulator.server import PortInUse
from emulator.tls import Certificate, TlsError, TlsOptions, certificate_names, hosts_line, service_hosts
from tests.builders import START, cache_grant
from tests.helpers import EmulatorProcess, clean_env, mint_disposable, run_cli, status_of

ENDPOINT = "momento.test"


@pytest.fixture
def tls_server() -> Iterator[ThreadedEmulatorServer]:
    """Plaintext on one port, TLS on a second, one state behind both."""
    settings = Settings(start_time=START, endpoint=ENDPOINT)
    with ThreadedEmulatorServer(settings, tls=TlsOptions(port=0)) as running:
        yield running


def ca_of(server: ThreadedEmulatorServer) -> bytes:
    assert server.server.certificate is not None
    return server.server.certificate.ca_pem


def tls_channel(server: ThreadedEmulatorServer, name: str = "localhost") -> grpc.Channel:
    """A channel that checks the certificate against the emulator's CA and ``name``."""
    target = f"127.0.0.1:{server.server.tls_port}"
    credentials = grpc.ssl_channel_credentials(root_certificates=ca_of(server))
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", name)])


def handshake(port: int, ca_pem: bytes, name: str) -> str | None:
    """A TLS handshake as the SDKs make it (ALPN h2, checked host name); the protocol the server chose."""
    context = ssl.create_default_context(cadata=ca_pem.decode())
    context.set_alpn_protocols(["h2"])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=name) as tls,
    ):
        return tls.selected_alpn_protocol()


# --- names ----------------------------------------------------------------------------------


def test_the_certificate_names_every_host_the_sdks_dial_and_loopback() -> None:
    assert certificate_names("momento.test:8443") == [
        "control.momento.test", "cache.momento.test", "token.momento.test", "token.cache.momento.test",
        "momento.test", "web.control.momento.test", "web.cache.momento.test", "web.token.momento.test",
        "localhost", "127.0.0.1", "::1",
    ]  # fmt: skip
    assert hosts_line("momento.test") == (
        "127.0.0.1 control.momento.test cache.momento.test token.momento.test token.cache.momento.test momento.test"
    )


@pytest.mark.parametrize("endpoint", ["127.0.0.1:8090", "[::1]:8090", "10.0.0.1"])
def test_an_address_endpoint_has_no_names_to_resolve(endpoint: str) -> None:
    assert service_hosts(endpoint) == [] and hosts_line(endpoint) == ""
    assert certificate_names(endpoint) == ["localhost", "127.0.0.1", "::1"]


# --- listeners ------------------------------------------------------------------------------


def test_plaintext_and_tls_side_by_side_serve_one_state(tls_server: ThreadedEmulatorServer) -> None:
    key = tls_server.bootstrap.api_key
    with tls_channel(tls_server, "token.momento.test") as channel:
        token = mint_disposable(token_pb2_grpc.TokenStub(channel), key, cache_grant(cache="c")).api_key
    assert tls_server.control.describe_key(token).kind == "disposable_token"
    with grpc.insecure_channel(tls_server.target) as channel:
        assert mint_disposable(token_pb2_grpc.TokenStub(channel), key, cache_grant(cache="c")).api_key


def test_every_certificate_name_handshakes_with_alpn_h2(tls_server: ThreadedEmulatorServer) -> None:
    port, ca = tls_server.server.tls_port, ca_of(tls_server)
    assert port is not None
    for name in certificate_names(ENDPOINT):
        assert handshake(port, ca, name) == "h2", name


def test_a_name_outside_the_certificate_is_refused(tls_server: ThreadedEmulatorServer) -> None:
    port = tls_server.server.tls_port
    assert port is not None
    with pytest.raises(ssl.SSLCertVerificationError, match="match"):
        handshake(port, ca_of(tls_server), "control.other.test")


def test_another_ca_is_not_trusted(tls_server: ThreadedEmulatorServer) -> None:
    port = tls_server.server.tls_port
    assert port is not None
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        handshake(port, trustme.CA().cert_pem.bytes(), "control.momento.test")


def test_tls_on_the_main_port_leaves_no_plaintext() -> None:
    with ThreadedEmulatorServer(Settings(start_time=START, endpoint=ENDPOINT), tls=TlsOptions()) as server:
        assert server.server.tls_port == server.port
        with grpc.insecure_channel(server.target) as channel:
            code, _ = status_of(lambda: mint_disposable(token_pb2_grpc.TokenStub(channel), server.bootstrap.api_key))
        assert code is grpc.StatusCode.UNAVAILABLE
        with tls_channel(server) as channel:
            assert mint_disposable(token_pb2_grpc.TokenStub(channel), server.bootstrap.api_key).api_key


def test_a_taken_tls_port_is_refused_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = ThreadedEmulatorServer(Settings(start_time=START), tls=TlsOptions(port=port))
        with pytest.raises(PortInUse, match=f"cannot listen on 127.0.0.1:{port}"):
            server.start()
        done = run_cli("serve", "--port", "0", "--tls-port", str(port), env=clean_env(), timeout=10)
    assert done.returncode == 2 and f"127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr


def user_certificate(directory: Path, *names: str) -> tuple[trustme.CA, Path, Path]:
    """A CA of the user's and a certificate it signed for ``names``, as PEM files in ``directory``."""
    authority = trustme.CA()
    leaf = authority.issue_cert(*names)
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    return authority, cert, key


def test_a_certificate_the_user_brings_is_served(tmp_path: Path) -> None:
    authority, cert, key = user_certificate(tmp_path, "cache.example.test", "localhost")
    certificate = Certificate.load(cert, key)
    assert certificate.names == ("cache.example.test", "localhost") and certificate.ca_pem == b""
    with ThreadedEmulatorServer(Settings(start_time=START), tls=TlsOptions(port=0, certificate=certificate)) as server:
        assert server.server.tls_port is not None
        assert handshake(server.server.tls_port, authority.cert_pem.bytes(), "cache.example.test") == "h2"


def test_a_certificate_that_cannot_be_served_is_refused_naming_the_file(tmp_path: Path) -> None:
    _, cert, key = user_certificate(tmp_path, "localhost")
    _, other_cert, _ = user_certificate(tmp_path / "other", "localhost")
    with pytest.raises(TlsError, match=r"--tls-key .*not the private key of the first certificate"):
        Certificate.load(other_cert, key)
    with pytest.raises(TlsError, match="--tls-cert .*not a PEM certificate"):
        Certificate.load(key, key)
    with pytest.raises(TlsError, match="--tls-key .*not an unencrypted PEM private key"):
        Certificate.load(cert, cert)
    with pytest.raises(TlsError, match="--tls-cert .*No such file"):
        Certificate.load(tmp_path / "missing.pem", key)


# --- credential forms -----------------------------------------------------------------------


def test_bootstrap_offers_every_form_the_sdks_parse(tls_server: ThreadedEmulatorServer) -> None:
    """The SDK's own parser reads each form as the form it is, and each one mints over TLS."""
    bootstrap = tls_server.bootstrap
    assert resolver.resolve(bootstrap.api_key).control_endpoint == "control.momento.test"  # v1 base64
    legacy = resolver.resolve(bootstrap.raw_api_key)  # the legacy JWT: hosts from its c / cp claims
    assert (legacy.control_endpoint, legacy.token_endpoint) == ("control.momento.test", "token.cache.momento.test")
    assert resolver._is_v2_api_key(bootstrap.api_key_v2) and not resolver._is_v2_api_key(bootstrap.raw_api_key)
    with tls_channel(tls_server, "token.momento.test") as channel:
        stub = token_pb2_grpc.TokenStub(channel)
        for key in (bootstrap.api_key, bootstrap.raw_api_key, bootstrap.api_key_v2):
            assert mint_disposable(stub, key, cache_grant(cache="c")).api_key


# --- serve ----------------------------------------------------------------------------------


def test_serve_with_a_tls_port_tells_the_ready_file_and_the_banner_everything_needed(tmp_path: Path) -> None:
    with EmulatorProcess(tmp_path, "--port", "0", "--tls-port", "0", "--endpoint", ENDPOINT) as emulator:
        ready = emulator.ready
        ca_file = Path(ready["ca_file"])
        assert ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert ready["tls_target"] == f"127.0.0.1:{ready['tls_port']}" and ready["tls_port"] != ready["port"]
        assert ready["hosts_line"] == hosts_line(ENDPOINT)
        assert unwrap(ready["api_key"]) == ready["raw_api_key"]
        assert resolver._is_v2_api_key(ready["api_key_v2"])
        assert handshake(ready["tls_port"], ca_file.read_bytes(), "cache.momento.test") == "h2"
        assert emulator.terminate() == 0
        banner = emulator.stdout()  # complete once the process has exited (it prints after the ready file)
        assert f"export GRPC_DEFAULT_SSL_ROOTS_FILE_PATH={ca_file}\n" in banner
        assert f"export MOMENTO_API_KEY={ready['api_key']}\n" in banner
        assert f"export MOMENTO_API_KEY={ready['api_key_v2']} MOMENTO_ENDPOINT={ENDPOINT}\n" in banner
        assert f"/etc/hosts: {ready['hosts_line']}\n" in banner
        assert "the SDKs will dial port 443" in banner  # the TLS port is not 443 and the endpoint names none
    assert not ca_file.exists()  # a temporary CA file goes with the emulator


def test_serve_tls_writes_the_ca_where_asked_and_keeps_it(tmp_path: Path) -> None:
    ca_file = tmp_path / "emulator-ca.pem"
    args = ("--port", "0", "--tls", "--endpoint", "momento.test:4443", "--ca-file", str(ca_file))
    with EmulatorProcess(tmp_path, *args) as emulator:
        ready = emulator.ready
        assert ready["ca_file"] == str(ca_file) and ready["tls_port"] == ready["port"]
        assert emulator.terminate() == 0
        assert f"the SDKs will dial port 4443, not {ready['port']}" in emulator.stdout()
    assert ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_serve_without_tls_has_no_tls_fields_but_every_key_form(tmp_path: Path) -> None:
    with EmulatorProcess(tmp_path, "--port", "0", "--endpoint", ENDPOINT) as emulator:
        ready = emulator.ready
        assert (ready["tls_port"], ready["ca_file"], ready["hosts_line"]) == (None, None, "")
        assert resolver._is_v2_api_key(ready["api_key_v2"])
        assert emulator.terminate() == 0
        assert "Control:" in emulator.stdout() and "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH" not in emulator.stdout()


@pytest.mark.parametrize("port", [-1, 65536, True, "443"])
def test_tls_options_refuse_what_is_not_a_port_number(port: object) -> None:
    with pytest.raises(
        ValueError, match=r"^port: .* is not a port number from 0 to 65535 \(or None: TLS on the main port\)$"
    ):
        TlsOptions(port=port)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--tls-cert", "c.pem", "--tls-key", "k.pem"), {}, "--tls-cert: needs --tls or --tls-port"),
        (("--ca-file", "ca.pem"), {}, "--ca-file: needs --tls or --tls-port"),
        (("--tls", "--tls-port", "0"), {}, "--tls-port: with --tls"),
        (("--tls", "--tls-cert", "c.pem"), {}, "--tls-cert and --tls-key: give both"),
        (("--tls-port", "70000"), {}, "--tls-port: 70000 is not a port number from 0 to 65535"),
        (("--tls-port", "-1"), {}, "--tls-port: -1 is not a port number"),
        ((), {"MOMENTO_EMULATOR_TLS": "maybe"}, "MOMENTO_EMULATOR_TLS: 'maybe' is not one of"),
        ((), {"MOMENTO_EMULATOR_TLS_PORT": "x"}, "MOMENTO_EMULATOR_TLS_PORT: 'x' is not a port number"),
        (("--tls",), {"MOMENTO_EMULATOR_TLS_PORT": "1"}, "MOMENTO_EMULATOR_TLS_PORT: with --tls"),
        (("--tls", "--tls-cert", "c.pem", "--tls-key", "k.pem"), {}, "--tls-cert c.pem: No such file"),
        (("--tls", "--ca-file", "/no-such-dir/ca.pem"), {}, "--ca-file /no-such-dir/ca.pem: no such directory"),
    ],
)
def test_serve_refuses_tls_flags_that_do_not_fit(args: tuple[str, ...], env: dict[str, str], named: str) -> None:
    done = run_cli("serve", "--port", "0", *args, env=clean_env(**env), timeout=10)
    assert done.returncode == 2
    assert named in done.stderr and "Traceback" not in done.stderr


def test_under_a_user_certificate_the_ca_is_the_users_and_uncovered_names_are_named(tmp_path: Path) -> None:
    _, cert, key = user_certificate(tmp_path, "*.example.test", "example.test")
    args = ("--port", "0", "--tls", "--tls-cert", str(cert), "--tls-key", str(key), "--endpoint", "example.test")
    with EmulatorProcess(tmp_path, *args) as emulator:
        ready = json.loads(emulator.ready_file.read_text())
        assert ready["ca_file"] is None and ready["certificate_names"] == ["*.example.test", "example.test"]
        assert emulator.terminate() == 0
    banner = emulator.stdout()
    assert "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=<a PEM file with the CA that signed --tls-cert>" in banner
    assert "does not cover token.cache.example.test: the SDKs will refuse" in banner  # a wildcard spans one label


def test_an_address_endpoint_gets_no_drop_in_lines_but_a_hint(tmp_path: Path) -> None:
    with EmulatorProcess(tmp_path, "--port", "0", "--tls") as emulator:
        assert emulator.terminate() == 0
    assert "Drop-in needs a name: --endpoint NAME" in emulator.stdout()  # the default endpoint is HOST:PORT
    assert "export MOMENTO_API_KEY" not in emulator.stdout()

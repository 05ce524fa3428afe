"""TLS for drop-in mode: the certificate the emulator serves and the host names it must cover.

The SDKs' production code dials ``control.E``, ``cache.E`` and ``token.E`` over TLS, where ``E``
is the endpoint inside the key (the legacy JWT form dials ``token.cache.E`` for Python and
``cache.E`` for Node instead). :meth:`Certificate.generate` makes a certificate authority and a
leaf valid for all of them plus ``localhost``, ``127.0.0.1`` and ``::1``; the CA's private key
never leaves memory, so only this emulator can issue certificates that chain to it.
:meth:`Certificate.load` takes a certificate the user brings. ALPN ``h2`` is grpc's own doing.
"""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import grpc

from emulator.core.errors import InvalidArgument
from emulator.core.values import port_number
from emulator.sdk import split_target

SERVICE_PREFIXES = ("control.", "cache.", "token.", "token.cache.")
# What @gomomento/sdk-web dials, over HTTPS, when its endpoints are not overridden.
WEB_PREFIXES = ("web.control.", "web.cache.", "web.token.")
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
CA_NAME = "momento-auth-emulator"


class TlsError(ValueError):
    """A certificate or key that cannot be served; the message names the file and the problem."""


def endpoint_host(endpoint: str) -> str:
    """The host part of an endpoint: ``momento.test:8443`` -> ``momento.test``; ``[::1]:80`` -> ``::1``."""
    try:
        host = split_target(endpoint)[0]
    except ValueError:
        host = endpoint
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def service_hosts(endpoint: str) -> list[str]:
    """The names the SDKs dial for a key whose endpoint is ``endpoint``, and the endpoint's own host.

    Empty when the endpoint is an IP address: ``control.127.0.0.1`` is no name at all.
    """
    host = endpoint_host(endpoint)
    if not host or is_address(host):
        return []
    return [prefix + host for prefix in SERVICE_PREFIXES] + [host]


def certificate_names(endpoint: str) -> list[str]:
    """Every name the generated certificate is valid for (the browser SDK's too), without repeats."""
    hosts = service_hosts(endpoint)
    web = [prefix + hosts[-1] for prefix in WEB_PREFIXES] if hosts else []
    return list(dict.fromkeys([*hosts, *web, *LOCAL_NAMES]))


def uncovered(names: tuple[str, ...] | list[str], hosts: list[str]) -> list[str]:
    """The ``hosts`` a certificate for ``names`` does not cover (a wildcard covers one label, as TLS says)."""

    def covers(name: str, host: str) -> bool:
        if name.startswith("*."):
            label, _, rest = host.partition(".")
            return bool(label) and rest.lower() == name[2:].lower()
        return name.lower() == host.lower()

    return [host for host in hosts if not any(covers(name, host) for name in names)]


def hosts_line(endpoint: str, address: str = "127.0.0.1") -> str:
    """The ``/etc/hosts`` line that sends the SDKs' names for ``endpoint`` to ``address`` ("" for an IP endpoint)."""
    names = service_hosts(endpoint)
    return f"{address} {' '.join(names)}" if names else ""


@dataclass(frozen=True)
class Certificate:
    """What a TLS listener serves. ``ca_pem`` is empty for a certificate the user brought."""

    chain_pem: bytes
    key_pem: bytes
    ca_pem: bytes = b""
    names: tuple[str, ...] = ()

    @classmethod
    def generate(cls, endpoint: str) -> Certificate:
        """A fresh CA and a leaf it signs, valid for :func:`certificate_names` of ``endpoint``."""
        import trustme  # only TLS needs it, and cryptography is slow to import

        names = certificate_names(endpoint)
        authority = trustme.CA(organization_name=CA_NAME)
        leaf = authority.issue_cert(*names, organization_name=CA_NAME)
        return cls(
            chain_pem=b"".join(blob.bytes() for blob in leaf.cert_chain_pems),
            key_pem=leaf.private_key_pem.bytes(),
            ca_pem=authority.cert_pem.bytes(),
            names=tuple(names),
        )

    @classmethod
    def load(cls, cert_file: Path, key_file: Path) -> Certificate:
        """The user's PEM certificate chain and private key, checked to belong together."""
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        chain_pem, key_pem = _read(cert_file, "--tls-cert"), _read(key_file, "--tls-key")
        try:
            chain = x509.load_pem_x509_certificates(chain_pem)
        except ValueError:
            raise TlsError(f"--tls-cert {cert_file}: not a PEM certificate") from None
        try:
            key = load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError):  # TypeError: the key is encrypted
            raise TlsError(f"--tls-key {key_file}: not an unencrypted PEM private key") from None
        if chain[0].public_key() != key.public_key():
            raise TlsError(f"--tls-key {key_file}: not the private key of the first certificate in {cert_file}")
        try:
            extension = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName)
            names = tuple(str(name.value) for name in extension.value)
        except x509.ExtensionNotFound:
            names = ()
        return cls(chain_pem=chain_pem, key_pem=key_pem, names=names)

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials([(self.key_pem, self.chain_pem)])

    def ssl_context(self) -> ssl.SSLContext:
        """A server context serving this certificate over HTTPS (the gRPC-Web listener)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory() as private:  # ssl loads PEM from files only; the key never stays on disk
            chain, key = Path(private, "chain.pem"), Path(private, "key.pem")
            chain.write_bytes(self.chain_pem)
            key.touch(0o600)
            key.write_bytes(self.key_pem)
            context.load_cert_chain(chain, key)
        return context


def _read(path: Path, flag: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TlsError(f"{flag} {path}: {error.strerror or error}") from None


@dataclass(frozen=True)
class TlsOptions:
    """How an emulator serves TLS.

    ``port=None``: the main port speaks TLS instead of plaintext. A port number (0 picks a free one): a second
    listener, TLS, beside the plaintext one; both serve the same handlers and the same state.
    ``certificate=None``: a CA and a leaf are generated at start for the emulator's endpoint.
    """

    port: int | None = None
    certificate: Certificate | None = None

    def __post_init__(self) -> None:
        port = self.port
        try:
            if port is not None:
                port_number(port, "port", " (or None: TLS on the main port)")
        except InvalidArgument as error:
            raise ValueError(error.message) from None
        if self.certificate is not None and not isinstance(self.certificate, Certificate):
            raise TypeError(f"certificate: expected emulator.tls.Certificate, got {type(self.certificate).__name__}")

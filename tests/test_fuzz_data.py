"""Fuzzing the control and data planes: any body, any credential, any cache header, never INTERNAL or UNKNOWN."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import ThreadedEmulatorServer, local_control
from emulator.services.admission import Unserved
from emulator.services.registry import RPCS, Access, Streaming
from tests.builders import forged
from tests.hostile import DELIBERATE, raw_call
from tests.test_fuzz import BOUNDED, fuzz_server, messages, mutate  # noqa: F401  (fuzz_server: a fixture)

# Besides the statuses of the auth service, the data plane answers these on purpose.
DATA_DELIBERATE = DELIBERATE | {
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.UNIMPLEMENTED,
}
DATA_RPCS = {rpc.path: rpc for rpc in RPCS if rpc.access in (Access.DATA, Access.CONTROL_PLANE)}
# RPCs the emulator serves; the others answer UNIMPLEMENTED to anyone authenticated.
SERVED = sorted(path for path, rpc in DATA_RPCS.items() if not isinstance(rpc.handler, Unserved))
FEW = settings(BOUNDED, max_examples=25)
# Streams that never end by themselves: one message (a subscription's first heartbeat) shows it serves.
ENDLESS = {"/cache_client.pubsub.Pubsub/Subscribe"}
CACHES = ["c", "", "missing", "x" * 300, "with space", "%41"]


class DataFuzz:
    def __init__(self, server: ThreadedEmulatorServer, channel: grpc.Channel) -> None:
        self.server = server
        self.channel = channel
        self.credentials: dict[str, str] = {}

    def reset(self) -> None:
        """Fresh state with the cache "c" and one key or token of each kind."""
        bootstrap = local_control(self.server.emulator).reset()
        state = self.server.emulator.state
        state.caches.create("c")
        from emulator.core.permissions import Grant, Permissions, Role, Selector

        explicit = Permissions(grants=(Grant(Role.CACHE_READ_WRITE, Selector("c")),))
        scoped = Permissions(grants=(Grant(Role.CACHE_READ_ONLY, Selector("c"), Selector(b"k", prefix=True)),))
        topical = Permissions(grants=(Grant(Role.TOPIC_PUBLISH_SUBSCRIBE, Selector("c"), Selector("t", prefix=True)),))
        self.credentials = {
            "super_user": bootstrap.raw_api_key,
            "session_b64": bootstrap.session_token,
            "explicit": state.generate_api_key(bootstrap.raw_session_token, explicit, 3600).api_key,
            "disposable": state.generate_disposable_token(bootstrap.raw_api_key, scoped, 60).api_key,
            "topics": state.generate_disposable_token(bootstrap.raw_api_key, topical, 60).api_key,
            "forged": forged(bootstrap.raw_api_key),
            "none": "",
        }

    def send(self, path: str, body: bytes, credential: str, cache: str) -> grpc.StatusCode:
        metadata = [("cache", cache)]
        if self.credentials[credential]:
            metadata.append(("authorization", self.credentials[credential]))
        try:
            if path in ENDLESS:
                stream = self.channel.unary_stream(path)(body, timeout=10, metadata=metadata)
                next(stream)
                stream.cancel()
            elif DATA_RPCS[path].streaming is Streaming.SERVER:
                list(self.channel.unary_stream(path)(body, timeout=10, metadata=metadata))
            else:
                self.channel.unary_unary(path)(body, timeout=10, metadata=metadata)
            code, details = grpc.StatusCode.OK, ""
        except grpc.RpcError as error:
            code, details = error.code(), error.details() or ""
        assert code in DATA_DELIBERATE, f"{path} answered {code.name}: {details}"
        return code


@pytest.fixture
def fuzz(fuzz_server: ThreadedEmulatorServer) -> Iterator[DataFuzz]:  # noqa: F811  (the imported fixture)
    with grpc.insecure_channel(fuzz_server.target) as channel:
        harness = DataFuzz(fuzz_server, channel)
        harness.reset()
        yield harness


texts = st.one_of(st.text(max_size=20), st.sampled_from(["", "c", "missing", "x" * 300]))
credentials = st.sampled_from(["super_user", "session_b64", "explicit", "disposable", "topics", "forged", "none"])


@pytest.mark.parametrize("path", SERVED)
@FEW
@given(data=st.data(), credential=credentials, cache=st.sampled_from(CACHES))
def test_generated_data_requests_get_deliberate_statuses(
    fuzz: DataFuzz, path: str, data: st.DataObject, credential: str, cache: str
) -> None:
    """Random requests to every control- and data-plane RPC, by every kind of caller, in any cache."""
    request = data.draw(messages(DATA_RPCS[path].request, texts))
    fuzz.send(path, request.SerializeToString(), credential, cache)


@pytest.mark.parametrize("path", SERVED)
@FEW
@given(data=st.data(), body=st.binary(max_size=256))
def test_mutated_data_requests_get_deliberate_statuses(
    fuzz: DataFuzz, path: str, data: st.DataObject, body: bytes
) -> None:
    """Mutated and random bodies, sent by the super-user key to an existing cache."""
    fuzz.send(path, mutate(body, data), "super_user", "c")


def test_unauthenticated_comes_before_anything_about_the_request(fuzz: DataFuzz) -> None:
    """Without a valid credential every RPC says UNAUTHENTICATED, even for a body that does not decode."""
    for path in sorted(DATA_RPCS):
        for credential in ("none", "forged"):
            assert fuzz.send(path, b"", credential, "missing") == grpc.StatusCode.UNAUTHENTICATED, (path, credential)


def test_rpcs_not_yet_served_answer_unimplemented_naming_themselves(fuzz: DataFuzz) -> None:
    for path in sorted(set(DATA_RPCS) - set(SERVED)):
        code, details = raw_call(fuzz.channel, path, b"", metadata=[("authorization", fuzz.credentials["super_user"])])
        assert code is grpc.StatusCode.UNIMPLEMENTED and details.startswith(path.rsplit("/", 1)[1]), (path, details)

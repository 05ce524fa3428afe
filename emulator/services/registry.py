"""The one table of RPCs the emulator serves: Momento's and its own admin API, one :class:`Rpc` row each.

Everything else reads it: the dispatcher (checks, faults, journal, log), the server (handler
registration, health and reflection names), fault rules and journal queries (method names, via
:data:`CATALOG`) and the CLI. Adding an RPC is one row here plus its handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from momento_wire_types import auth_pb2, cacheclient_pb2, cachepubsub_pb2, controlclient_pb2, token_pb2

from emulator._generated import admin_pb2 as pb
from emulator.core.faults import Catalog
from emulator.services import admin, admin_caches, cache_control, momento, scalars, topics
from emulator.services.admission import Unserved
from emulator.services.call import Call
from emulator.services.collections import dictionaries, lists, sets, sorted_sets
from emulator.services.status import STATUS_NAMES


class Access(StrEnum):
    """What a call needs; it decides the dispatcher's checks, fault injection and journaling."""

    AUTH = "auth"  # Momento Auth and Token: the credential travels in the body; the core checks it
    CONTROL_PLANE = "control-plane"  # Momento control plane (caches, ...): a key allowed the control plane
    DATA = "data"  # Momento data plane: a key allowed the row's action (authorization.ACTIONS)
    ADMIN = "admin"  # the emulator's admin API: the admin token, if the server has one

    @property
    def momento(self) -> bool:
        """Momento calls take faults, have a size limit and are journaled; admin calls are none of these."""
        return self is not Access.ADMIN


class Streaming(StrEnum):
    UNARY = "unary"  # the handler returns one response (or an awaitable of one)
    SERVER = "server-streaming"  # the handler returns an iterable of responses, or is an async generator


# A handler: ``handler(call, request)`` -> a response (unary) or responses (server-streaming); it may be async.
Handler = Callable[[Call, Any], Any]
# Where the caller's credential is: ``source(request, metadata)`` -> its text, "" if absent.
CredentialSource = Callable[[Any, Mapping[str, str | bytes]], str]


def body(field: str) -> CredentialSource:
    """The credential is the request's ``field`` (Auth: ``auth_token``, ``api_key``)."""

    def read(request: Any, metadata: Mapping[str, str | bytes]) -> str:
        return str(getattr(request, field))

    return read


def header(name: str) -> CredentialSource:
    """The credential is the text header ``name`` (the data plane: ``authorization``)."""

    def read(request: Any, metadata: Mapping[str, str | bytes]) -> str:
        value = metadata.get(name, "")
        return value if isinstance(value, str) else ""

    return read


@dataclass(frozen=True)
class Rpc:
    """One RPC: where it is served, its types, what it needs, its handler, and what is recorded of it.

    ``action`` (data plane) is a core action name, or a function choosing one from the request
    (say, ``UpdateTtl``: increase or decrease); the dispatcher puts it on :attr:`Call.action`.
    ``journaled``: the call is kept in the request journal; ``logged``: it gets a log line (INFO if it
    did not succeed, else DEBUG).
    """

    path: str  # "/auth.Auth/GenerateApiToken"
    request: type[Message]
    response: type[Message]
    handler: Handler
    access: Access
    streaming: Streaming = Streaming.UNARY
    credential: CredentialSource | None = None  # identifies the caller, for the journal and fault matching
    action: str | Callable[[Any], str] = ""
    journaled: bool = True
    logged: bool = True

    @cached_property  # asked on every call
    def momento(self) -> bool:
        """A Momento RPC (see :attr:`Access.momento`), not one of the emulator's admin API."""
        return self.access.momento

    @property
    def service(self) -> str:
        return self.path.split("/")[1]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[1]


def _admin(name: str, request: type[Message], response: type[Message], handler: Handler) -> Rpc:
    return Rpc(f"/{admin.SERVICE}/{name}", request, response, handler, Access.ADMIN, journaled=False)


_AUTH, _TOKEN = "/auth.Auth/", "/token.Token/"
# The SDKs send the caller's key in this header on every control-plane and data-plane call.
AUTHORIZATION = header("authorization")


def _wire(module: Any, service: str, name: str, handler: Handler, access: Access, action: Any = None) -> Rpc:
    """A row for one of Momento's RPCs, its types and streaming kind read from the wire types' descriptor."""
    method = module.DESCRIPTOR.services_by_name[service].methods_by_name[name]
    return Rpc(
        f"/{method.containing_service.full_name}/{name}",
        GetMessageClass(method.input_type), GetMessageClass(method.output_type),  # Publish answers common._Empty
        handler, access, Streaming.SERVER if method.server_streaming else Streaming.UNARY,
        credential=AUTHORIZATION, action=name if action is None else action,
    )  # fmt: skip


def _control(name: str, handler: Handler) -> Rpc:
    return _wire(controlclient_pb2, "ScsControl", name, handler, Access.CONTROL_PLANE)


def _scs(name: str, handler: Handler, action: Any = None) -> Rpc:
    return _wire(cacheclient_pb2, "Scs", name, handler, Access.DATA, action)


def _not_served(module: Any, service: str, served: tuple[Rpc, ...], access: Access) -> tuple[Rpc, ...]:
    """Rows for the service's other RPCs: the caller is authenticated, then UNIMPLEMENTED names the RPC."""
    names = {rpc.name for rpc in served}
    methods = module.DESCRIPTOR.services_by_name[service].methods
    others = [m.name for m in methods if m.name not in names]
    return tuple(_wire(module, service, name, Unserved(name), access) for name in others)


CONTROL_RPCS = (
    _control("CreateCache", cache_control.create_cache),
    _control("DeleteCache", cache_control.delete_cache),
    _control("ListCaches", cache_control.list_caches),
    _control("FlushCache", cache_control.flush_cache),
)
SCALAR_RPCS = (
    _scs("Get", scalars.get),
    _scs("GetWithHash", scalars.get_with_hash),
    _scs("GetBatch", scalars.get_batch),
    _scs("Set", scalars.set_),
    _scs("SetBatch", scalars.set_batch),
    _scs("SetIf", scalars.set_if),
    _scs("SetIfHash", scalars.set_if_hash),
    _scs("SetIfNotExists", scalars.set_if_not_exists),
    _scs("Delete", scalars.delete),
    _scs("KeysExist", scalars.keys_exist),
    _scs("Increment", scalars.increment),
    _scs("UpdateTtl", scalars.update_ttl, scalars.update_ttl_action),
    _scs("ItemGetTtl", scalars.item_get_ttl),
    _scs("ItemGetType", scalars.item_get_type),
)
COLLECTION_RPCS = (
    _scs("DictionaryGet", dictionaries.dictionary_get),
    _scs("DictionaryFetch", dictionaries.dictionary_fetch),
    _scs("DictionarySet", dictionaries.dictionary_set),
    _scs("DictionaryIncrement", dictionaries.dictionary_increment),
    _scs("DictionaryDelete", dictionaries.dictionary_delete),
    _scs("DictionaryLength", dictionaries.dictionary_length),
    _scs("SetFetch", sets.set_fetch),
    _scs("SetSample", sets.set_sample),
    _scs("SetUnion", sets.set_union),
    _scs("SetDifference", sets.set_difference),
    _scs("SetContains", sets.set_contains),
    _scs("SetLength", sets.set_length),
    _scs("SetPop", sets.set_pop),
    _scs("ListPushFront", lists.list_push_front),
    _scs("ListPushBack", lists.list_push_back),
    _scs("ListPopFront", lists.list_pop_front),
    _scs("ListPopBack", lists.list_pop_back),
    _scs("ListErase", lists.list_erase),
    _scs("ListRemove", lists.list_remove),
    _scs("ListFetch", lists.list_fetch),
    _scs("ListLength", lists.list_length),
    _scs("ListConcatenateFront", lists.list_concatenate_front),
    _scs("ListConcatenateBack", lists.list_concatenate_back),
    _scs("ListRetain", lists.list_retain),
    _scs("SortedSetPut", sorted_sets.sorted_set_put),
    _scs("SortedSetFetch", sorted_sets.sorted_set_fetch),
    _scs("SortedSetGetScore", sorted_sets.sorted_set_get_score),
    _scs("SortedSetRemove", sorted_sets.sorted_set_remove),
    _scs("SortedSetIncrement", sorted_sets.sorted_set_increment),
    _scs("SortedSetGetRank", sorted_sets.sorted_set_get_rank),
    _scs("SortedSetLength", sorted_sets.sorted_set_length),
    _scs("SortedSetLengthByScore", sorted_sets.sorted_set_length_by_score),
    _scs("SortedSetUnionStore", sorted_sets.sorted_set_union_store),
)
TOPIC_RPCS = (
    _wire(cachepubsub_pb2, "Pubsub", "Publish", topics.publish, Access.DATA),
    _wire(cachepubsub_pb2, "Pubsub", "Subscribe", topics.subscribe, Access.DATA),
)

RPCS: tuple[Rpc, ...] = (
    Rpc(
        _AUTH + "GenerateApiToken", auth_pb2._GenerateApiTokenRequest, auth_pb2._GenerateApiTokenResponse,
        momento.generate_api_token, Access.AUTH, credential=body("auth_token"),
    ),
    Rpc(
        _AUTH + "RefreshApiToken", auth_pb2._RefreshApiTokenRequest, auth_pb2._RefreshApiTokenResponse,
        momento.refresh_api_token, Access.AUTH, credential=body("api_key"),
    ),
    Rpc(
        _AUTH + "Login", auth_pb2._LoginRequest, auth_pb2._LoginResponse,
        momento.login, Access.AUTH, Streaming.SERVER,
    ),
    Rpc(
        _TOKEN + "GenerateDisposableToken", token_pb2._GenerateDisposableTokenRequest,
        token_pb2._GenerateDisposableTokenResponse,
        momento.generate_disposable_token, Access.AUTH, credential=body("auth_token"),
    ),
    _admin("GetClock", pb.GetClockRequest, pb.ClockState, admin.get_clock),
    _admin("SetClock", pb.SetClockRequest, pb.ClockState, admin.set_clock),
    _admin("AdvanceClock", pb.AdvanceClockRequest, pb.ClockState, admin.advance_clock),
    _admin("SetClockMode", pb.SetClockModeRequest, pb.ClockState, admin.set_clock_mode),
    _admin("Reset", pb.ResetRequest, pb.Bootstrap, admin.reset),
    _admin("GetBootstrap", pb.GetBootstrapRequest, pb.Bootstrap, admin.get_bootstrap),
    _admin("ExportState", pb.ExportStateRequest, pb.StateDocument, admin.export_state),
    _admin("ImportState", pb.StateDocument, pb.Bootstrap, admin.import_state),
    _admin("ListKeys", pb.ListKeysRequest, pb.ListKeysResponse, admin.list_keys),
    _admin("DescribeKey", pb.KeyRequest, pb.KeyInfo, admin.describe_key),
    _admin("RevokeKey", pb.KeyRequest, pb.KeyInfo, admin.revoke_key),
    _admin("Authorize", pb.AuthorizeRequest, pb.AuthorizeResponse, admin.authorize),
    _admin("AddFault", pb.FaultRule, pb.FaultRule, admin.add_fault),
    _admin("ListFaults", pb.ListFaultsRequest, pb.ListFaultsResponse, admin.list_faults),
    _admin("ClearFaults", pb.ClearFaultsRequest, pb.ClearFaultsResponse, admin.clear_faults),
    _admin("GetJournal", pb.GetJournalRequest, pb.GetJournalResponse, admin.get_journal),
    _admin("ClearJournal", pb.ClearJournalRequest, pb.ClearJournalResponse, admin.clear_journal),
    _admin("DescribeCaches", pb.DescribeCachesRequest, pb.DescribeCachesResponse, admin_caches.describe_caches),
    _admin("AddCache", pb.CacheRequest, pb.CacheInfo, admin_caches.add_cache),
    _admin("DropCache", pb.CacheRequest, pb.CacheInfo, admin_caches.drop_cache),
    _admin("ListItems", pb.ListItemsRequest, pb.ListItemsResponse, admin_caches.list_items),
    _admin("GetItem", pb.GetItemRequest, pb.ItemInfo, admin_caches.get_item),
    *CONTROL_RPCS,
    *_not_served(controlclient_pb2, "ScsControl", CONTROL_RPCS, Access.CONTROL_PLANE),
    *SCALAR_RPCS,
    *COLLECTION_RPCS,
    *_not_served(cacheclient_pb2, "Scs", SCALAR_RPCS + COLLECTION_RPCS, Access.DATA),
    *TOPIC_RPCS,
)  # fmt: skip

# What fault rules and journal queries may name: every Momento RPC, every gRPC status.
CATALOG = Catalog(methods=tuple(rpc.path for rpc in RPCS if rpc.momento), codes=STATUS_NAMES)


def services(rpcs: tuple[Rpc, ...] = RPCS) -> dict[str, tuple[Rpc, ...]]:
    """The rows grouped by service name, in table order."""
    grouped: dict[str, list[Rpc]] = {}
    for rpc in rpcs:
        grouped.setdefault(rpc.service, []).append(rpc)
    return {name: tuple(rows) for name, rows in grouped.items()}


SERVICE_NAMES = tuple(services())

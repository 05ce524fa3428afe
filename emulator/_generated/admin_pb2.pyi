from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetClockRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClockState(_message.Message):
    __slots__ = ("now", "now_epoch_seconds", "mode")
    NOW_FIELD_NUMBER: _ClassVar[int]
    NOW_EPOCH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    now: str
    now_epoch_seconds: float
    mode: str
    def __init__(self, now: _Optional[str] = ..., now_epoch_seconds: _Optional[float] = ..., mode: _Optional[str] = ...) -> None: ...

class SetClockRequest(_message.Message):
    __slots__ = ("time", "epoch_seconds")
    TIME_FIELD_NUMBER: _ClassVar[int]
    EPOCH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    time: str
    epoch_seconds: float
    def __init__(self, time: _Optional[str] = ..., epoch_seconds: _Optional[float] = ...) -> None: ...

class AdvanceClockRequest(_message.Message):
    __slots__ = ("seconds",)
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    seconds: float
    def __init__(self, seconds: _Optional[float] = ...) -> None: ...

class SetClockModeRequest(_message.Message):
    __slots__ = ("mode",)
    MODE_FIELD_NUMBER: _ClassVar[int]
    mode: str
    def __init__(self, mode: _Optional[str] = ...) -> None: ...

class ResetRequest(_message.Message):
    __slots__ = ("start_time", "start_epoch_seconds", "clock_mode", "seed", "max_disposable_ttl")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    START_EPOCH_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CLOCK_MODE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_DISPOSABLE_TTL_FIELD_NUMBER: _ClassVar[int]
    start_time: str
    start_epoch_seconds: float
    clock_mode: str
    seed: str
    max_disposable_ttl: int
    def __init__(self, start_time: _Optional[str] = ..., start_epoch_seconds: _Optional[float] = ..., clock_mode: _Optional[str] = ..., seed: _Optional[str] = ..., max_disposable_ttl: _Optional[int] = ...) -> None: ...

class GetBootstrapRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Bootstrap(_message.Message):
    __slots__ = ("api_key", "session_token", "raw_api_key", "raw_session_token", "endpoint", "api_key_v2", "web_url")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RAW_API_KEY_FIELD_NUMBER: _ClassVar[int]
    RAW_SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    API_KEY_V2_FIELD_NUMBER: _ClassVar[int]
    WEB_URL_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    session_token: str
    raw_api_key: str
    raw_session_token: str
    endpoint: str
    api_key_v2: str
    web_url: str
    def __init__(self, api_key: _Optional[str] = ..., session_token: _Optional[str] = ..., raw_api_key: _Optional[str] = ..., raw_session_token: _Optional[str] = ..., endpoint: _Optional[str] = ..., api_key_v2: _Optional[str] = ..., web_url: _Optional[str] = ...) -> None: ...

class ExportStateRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StateDocument(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ("include_inactive",)
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    include_inactive: bool
    def __init__(self, include_inactive: _Optional[bool] = ...) -> None: ...

class KeyInfo(_message.Message):
    __slots__ = ("key_id", "kind", "status", "permissions_json", "permissions_text", "issued_at", "valid_until", "valid_for_seconds", "token_id", "description", "refreshable", "issued_by", "revoked_at")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_JSON_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_TEXT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    VALID_FOR_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REFRESHABLE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    kind: str
    status: str
    permissions_json: str
    permissions_text: str
    issued_at: str
    valid_until: str
    valid_for_seconds: int
    token_id: str
    description: str
    refreshable: bool
    issued_by: str
    revoked_at: str
    def __init__(self, key_id: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., permissions_json: _Optional[str] = ..., permissions_text: _Optional[str] = ..., issued_at: _Optional[str] = ..., valid_until: _Optional[str] = ..., valid_for_seconds: _Optional[int] = ..., token_id: _Optional[str] = ..., description: _Optional[str] = ..., refreshable: _Optional[bool] = ..., issued_by: _Optional[str] = ..., revoked_at: _Optional[str] = ...) -> None: ...

class ListKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[KeyInfo]
    def __init__(self, keys: _Optional[_Iterable[_Union[KeyInfo, _Mapping]]] = ...) -> None: ...

class KeyRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class AuthorizeRequest(_message.Message):
    __slots__ = ("key", "action", "cache", "item", "topic", "function")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    key: str
    action: str
    cache: str
    item: bytes
    topic: str
    function: str
    def __init__(self, key: _Optional[str] = ..., action: _Optional[str] = ..., cache: _Optional[str] = ..., item: _Optional[bytes] = ..., topic: _Optional[str] = ..., function: _Optional[str] = ...) -> None: ...

class AuthorizeResponse(_message.Message):
    __slots__ = ("allowed", "reason", "matched_index", "matched_permission", "key_id")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MATCHED_INDEX_FIELD_NUMBER: _ClassVar[int]
    MATCHED_PERMISSION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reason: str
    matched_index: int
    matched_permission: str
    key_id: str
    def __init__(self, allowed: _Optional[bool] = ..., reason: _Optional[str] = ..., matched_index: _Optional[int] = ..., matched_permission: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class FaultRule(_message.Message):
    __slots__ = ("methods", "code", "message", "count", "delay_seconds", "key_id", "token_id", "rule_id", "hits")
    METHODS_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DELAY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    methods: _containers.RepeatedScalarFieldContainer[str]
    code: str
    message: str
    count: int
    delay_seconds: float
    key_id: str
    token_id: str
    rule_id: str
    hits: int
    def __init__(self, methods: _Optional[_Iterable[str]] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., count: _Optional[int] = ..., delay_seconds: _Optional[float] = ..., key_id: _Optional[str] = ..., token_id: _Optional[str] = ..., rule_id: _Optional[str] = ..., hits: _Optional[int] = ...) -> None: ...

class ListFaultsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFaultsResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[FaultRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[FaultRule, _Mapping]]] = ...) -> None: ...

class ClearFaultsRequest(_message.Message):
    __slots__ = ("rule_id",)
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    def __init__(self, rule_id: _Optional[str] = ...) -> None: ...

class ClearFaultsResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class GetJournalRequest(_message.Message):
    __slots__ = ("method", "limit")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    method: str
    limit: int
    def __init__(self, method: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class JournalEntry(_message.Message):
    __slots__ = ("seq", "method", "emulator_time", "wall_time", "caller_kind", "key_id", "request_json", "code", "details", "latency_ms")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    EMULATOR_TIME_FIELD_NUMBER: _ClassVar[int]
    WALL_TIME_FIELD_NUMBER: _ClassVar[int]
    CALLER_KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_JSON_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    seq: int
    method: str
    emulator_time: str
    wall_time: str
    caller_kind: str
    key_id: str
    request_json: str
    code: str
    details: str
    latency_ms: float
    def __init__(self, seq: _Optional[int] = ..., method: _Optional[str] = ..., emulator_time: _Optional[str] = ..., wall_time: _Optional[str] = ..., caller_kind: _Optional[str] = ..., key_id: _Optional[str] = ..., request_json: _Optional[str] = ..., code: _Optional[str] = ..., details: _Optional[str] = ..., latency_ms: _Optional[float] = ...) -> None: ...

class GetJournalResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[JournalEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[JournalEntry, _Mapping]]] = ...) -> None: ...

class ClearJournalRequest(_message.Message):
    __slots__ = ("through_seq",)
    THROUGH_SEQ_FIELD_NUMBER: _ClassVar[int]
    through_seq: int
    def __init__(self, through_seq: _Optional[int] = ...) -> None: ...

class ClearJournalResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class DescribeCachesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CacheInfo(_message.Message):
    __slots__ = ("name", "items")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    items: int
    def __init__(self, name: _Optional[str] = ..., items: _Optional[int] = ...) -> None: ...

class DescribeCachesResponse(_message.Message):
    __slots__ = ("caches",)
    CACHES_FIELD_NUMBER: _ClassVar[int]
    caches: _containers.RepeatedCompositeFieldContainer[CacheInfo]
    def __init__(self, caches: _Optional[_Iterable[_Union[CacheInfo, _Mapping]]] = ...) -> None: ...

class CacheRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListItemsRequest(_message.Message):
    __slots__ = ("cache", "limit")
    CACHE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    cache: str
    limit: int
    def __init__(self, cache: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ItemInfo(_message.Message):
    __slots__ = ("key", "type", "value", "size", "expires_at", "remaining_ttl_ms", "length", "entries")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REMAINING_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    type: str
    value: bytes
    size: int
    expires_at: str
    remaining_ttl_ms: int
    length: int
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    def __init__(self, key: _Optional[bytes] = ..., type: _Optional[str] = ..., value: _Optional[bytes] = ..., size: _Optional[int] = ..., expires_at: _Optional[str] = ..., remaining_ttl_ms: _Optional[int] = ..., length: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ...) -> None: ...

class Entry(_message.Message):
    __slots__ = ("field", "value", "score", "field_size", "value_size")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    FIELD_SIZE_FIELD_NUMBER: _ClassVar[int]
    VALUE_SIZE_FIELD_NUMBER: _ClassVar[int]
    field: bytes
    value: bytes
    score: float
    field_size: int
    value_size: int
    def __init__(self, field: _Optional[bytes] = ..., value: _Optional[bytes] = ..., score: _Optional[float] = ..., field_size: _Optional[int] = ..., value_size: _Optional[int] = ...) -> None: ...

class ListItemsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ItemInfo]
    def __init__(self, items: _Optional[_Iterable[_Union[ItemInfo, _Mapping]]] = ...) -> None: ...

class GetItemRequest(_message.Message):
    __slots__ = ("cache", "key")
    CACHE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    cache: str
    key: bytes
    def __init__(self, cache: _Optional[str] = ..., key: _Optional[bytes] = ...) -> None: ...

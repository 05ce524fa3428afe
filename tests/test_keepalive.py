"""Keepalive pings as the SDKs send them (the Node TopicClient: every 5 s, calls open or not) keep a connection."""

from __future__ import annotations

import time

import grpc

from emulator import ThreadedEmulatorServer

# A client pinging every second, without calls and without limit: grpc's server defaults count
# each such ping a strike and end the connection with GOAWAY "too_many_pings" at the third.
PINGING = [
    ("grpc.keepalive_time_ms", 1000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
]
PINGS = 4


def test_a_connection_pinged_every_second_without_calls_stays_ready(server: ThreadedEmulatorServer) -> None:
    states: list[grpc.ChannelConnectivity] = []
    with grpc.insecure_channel(server.target, options=PINGING) as channel:
        channel.subscribe(states.append, try_to_connect=True)
        grpc.channel_ready_future(channel).result(timeout=10)
        # Wall-clock time for the client's keepalive timer to fire: a slower machine pings later,
        # which could only hide a GOAWAY, never cause one.
        time.sleep(PINGS + 0.5)
        channel.unsubscribe(states.append)
    ready = states.index(grpc.ChannelConnectivity.READY)
    assert states[ready:] == [grpc.ChannelConnectivity.READY], states

#!/bin/sh
# Drop-in mode in a CI job: the emulator answers on Momento's names over TLS, and the application
# under test runs unmodified, building its client from MOMENTO_API_KEY as in production.
#
#   sh dropin-ci.sh COMMAND [ARG...]
#
# Run it as root (CI runners usually are): it binds port 443 and appends the names to /etc/hosts.
# KEY_FORM=v2 exports the v2 key with MOMENTO_ENDPOINT instead; KEY_FORM=legacy the raw JWT key.
# Any serve flag can come from the environment too, e.g. MOMENTO_EMULATOR_ENDPOINT, MOMENTO_EMULATOR_TLS_PORT.
set -eu
: "${MOMENTO_EMULATOR_ENDPOINT:=momento.test}" "${MOMENTO_EMULATOR_TLS_PORT:=443}"
export MOMENTO_EMULATOR_ENDPOINT MOMENTO_EMULATOR_TLS_PORT
work=$(mktemp -d)
# Plaintext stays on 127.0.0.1:8090 for the control CLI (clock, faults, journal); TLS is on 443.
momento-auth-emulator serve --ready-file "$work/ready.json" >"$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -rf "$work"' EXIT
waited=0
until [ -s "$work/ready.json" ]; do
  if ! kill -0 "$emulator" 2>/dev/null || [ "$waited" -ge 300 ]; then
    cat "$work/emulator.log" >&2
    exit 1
  fi
  sleep 0.1
  waited=$((waited + 1))
done
ready() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/ready.json" "$1"; }

ready hosts_line >>/etc/hosts
export GRPC_DEFAULT_SSL_ROOTS_FILE_PATH="$(ready ca_file)"
case "${KEY_FORM:-v1}" in
  v1) export MOMENTO_API_KEY="$(ready api_key)" ;;
  v2) export MOMENTO_API_KEY="$(ready api_key_v2)" MOMENTO_ENDPOINT="$(ready endpoint)" ;;
  legacy) export MOMENTO_API_KEY="$(ready raw_api_key)" ;;
  *) echo "KEY_FORM: v1, v2 or legacy" >&2; exit 2 ;;
esac
"$@"

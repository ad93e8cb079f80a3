#!/usr/bin/env python3
"""Honeycomb's Python client (honeycomb-api 0.7.4 on PyPI, generated from the same published
document) through a whole lifecycle against the fake (examples/serve_fake.rs): /2/auth;
environments list, create, get, update, delete; ingest and configuration keys create, list,
list by type, get, rename, disable, enable, grant a permission, delete.

A peer that reads what Honeycomb's document says, not what this crate tolerates: the fake
must answer what the document allows (tests/suite/mock_conformance.rs checks the schemas;
this checks a real client of them).

    python3 .ci/peer-client.py     # from the repository's root; .ci/run runs it

It makes a virtual environment, target/peer-client-venv, installs the client there with
pip, builds the fake (in CARGO_TARGET_DIR when set) and starts it, prints `ok <step>` for each
step or fails (exit 1) with the client's error, and stops the fake. When pip cannot reach PyPI
(and the client is not installed yet) it prints `skipped: PyPI unreachable: <reason>` and
exits 0.
"""

import os
import signal
import subprocess
import sys
import traceback

CLIENT = "honeycomb-api==0.7.4"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "peer-client-venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")
INSIDE = "HNY_PEER_CLIENT_VENV"


def in_venv():
    """Makes the venv with the client, then runs this script again inside it."""
    if not os.path.exists(VENV_PYTHON):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    installed = subprocess.run(
        [VENV_PYTHON, "-c", "import importlib.metadata as m; assert m.version('honeycomb-api') == '0.7.4'"],
        capture_output=True,
    )
    if installed.returncode != 0:
        pip = subprocess.run(
            [VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--timeout", "20",
             "--retries", "1", CLIENT],
            capture_output=True,
            text=True,
        )
        if pip.returncode != 0:
            lines = [line.strip() for line in pip.stderr.splitlines() if line.strip()]
            network = ("connect", "resolve", "timed out", "could not fetch", "ssl", "proxy", "unreachable")
            why = [line for line in lines if any(word in line.lower() for word in network)]
            reason = (why or lines or [f"pip exited {pip.returncode}"])[-1]
            print(f"skipped: PyPI unreachable: {reason}")
            sys.exit(0)
    os.execve(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__)], {**os.environ, INSIDE: "1"})


def start_fake():
    """Builds and starts examples/serve_fake.rs; returns the process and its settings."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "-q", "--features", "mock", "--example", "serve_fake"], cwd=ROOT, check=True)
    server = subprocess.Popen(
        [os.path.join(target, "debug", "examples", "serve_fake"), "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    line = server.stdout.readline()  # export HONEYCOMB_API_ENDPOINT=… HONEYCOMB_KEY_ID=… HONEYCOMB_KEY_SECRET=…
    settings = dict(word.split("=", 1) for word in line.split()[1:])
    if "HONEYCOMB_API_ENDPOINT" not in settings:
        server.kill()
        sys.exit(f"the fake did not print its settings: {line!r}")
    return server, settings


def stop_fake(server):
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Steps:
    def __init__(self):
        self.failed = False

    def __call__(self, name, run):
        """Runs one step: `ok <name>`, or its error and the end of the lifecycle."""
        if self.failed:
            return None
        try:
            value = run()
        except Exception as error:  # the client's error, whatever it is
            self.failed = True
            print(f"FAILED {name}: {type(error).__name__}: {error}")
            traceback.print_exc()
            return None
        print(f"ok {name}")
        return value


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def lifecycle(settings):
    from honeycomb import HoneycombClient
    from honeycomb._generated_models import (
        ApiKeyObjectType,
        ApiKeyUpdateRequest,
        ConfigurationKey,
        ConfigurationKeyUpdate,
        ConfigurationKeyUpdateAttributes,
        ConfigurationKeyUpdateAttributesPermissions,
        IngestKey,
    )

    client = HoneycombClient(
        management_key=settings["HONEYCOMB_KEY_ID"],
        management_secret=settings["HONEYCOMB_KEY_SECRET"],
        base_url=settings["HONEYCOMB_API_ENDPOINT"],
        max_retries=0,
        sync=True,
    )
    step = Steps()
    with client:
        def auth():
            me = client.auth.get()
            teams = [r for r in me.included or [] if r.type == "teams"]
            check(len(teams) == 1, f"one team in included: {me.included}")

        step("/2/auth", auth)

        envs = client.environments
        step("environments list", lambda: check(
            {e.attributes.name for e in envs.list()} >= {"Production", "Staging"}, "the seeded environments"))
        env = step("environments create", lambda: envs.create(name="Peer Check", description="peer", color="gold"))
        env_id = env.id if env else None
        step("environments get", lambda: check(envs.get(env_id).attributes.slug == "peer-check", "the slug"))

        def update_env():
            updated = envs.update(env_id, description="peer, updated", delete_protected=False)
            check(updated.attributes.description == "peer, updated", "the new description")
            check(updated.attributes.settings.delete_protected is False, "protection off")

        step("environments update", update_env)
        step("environments delete", lambda: envs.delete(env_id))

        keys = client.api_keys
        production = next(e.id for e in envs.list() if e.attributes.name == "Production") if not step.failed else None
        ingest = step("ingest key create", lambda: keys.create(
            IngestKey(key_type="ingest", name="peer ingest"), environment_id=production))
        config = step("configuration key create", lambda: keys.create(
            ConfigurationKey(key_type="configuration", name="peer config", permissions={"run_queries": True}),
            environment_id=production))
        step("the secrets, in the creates' answers", lambda: check(
            ingest.attributes.secret and config.attributes.secret, "each create answers its secret"))
        step("list", lambda: check(len(keys.list()) == 2, "two keys listed"))
        step("list by type", lambda: check(
            [k.id for k in keys.list(key_type="configuration")] == [config.id], "the configuration key alone"))
        step("get", lambda: check(keys.get(ingest.id).name == "peer ingest", "the ingest key by id"))

        def update(attributes):
            data = ConfigurationKeyUpdate(id=config.id, type=ApiKeyObjectType.api_keys, attributes=attributes)
            return keys.update(ApiKeyUpdateRequest(data=data))

        step("rename", lambda: check(
            update(ConfigurationKeyUpdateAttributes(name="peer renamed")).name == "peer renamed", "renamed"))
        step("disable", lambda: check(
            update(ConfigurationKeyUpdateAttributes(disabled=True)).disabled is True, "disabled"))
        step("enable", lambda: check(
            update(ConfigurationKeyUpdateAttributes(disabled=False)).disabled is False, "enabled"))

        def grant():
            granted = update(ConfigurationKeyUpdateAttributes(
                permissions=ConfigurationKeyUpdateAttributesPermissions(manage_boards=True)))
            permissions = granted.permissions.model_dump()
            check(permissions["manage_boards"] and permissions["run_queries"], f"granted, kept: {permissions}")

        step("grant a permission", grant)

        # /1/auth: each created key, as a data client sends it (ingest: id and secret).
        def verify(key, header, key_type):
            data_client = HoneycombClient(
                api_key=header, base_url=settings["HONEYCOMB_API_ENDPOINT"], max_retries=0, sync=True)
            with data_client:
                me = data_client.auth.get()
            check(me.id == key.id and getattr(me.type, "value", me.type) == key_type, f"/1/auth names the key: {me}")

        step("/1/auth with the ingest key", lambda: verify(
            ingest, ingest.id + ingest.attributes.secret, "ingest"))
        step("/1/auth with the configuration key", lambda: verify(
            config, config.attributes.secret, "configuration"))

        def delete():
            keys.delete(ingest.id)
            keys.delete(config.id)
            check(keys.list() == [], "no key left")

        step("delete", delete)
    return not step.failed


def main():
    if os.environ.get(INSIDE) != "1":
        in_venv()
    os.chdir(ROOT)
    server, settings = start_fake()
    try:
        ok = lifecycle(settings)
    finally:
        stop_fake(server)
    if not ok:
        sys.exit(1)
    print("ok: Honeycomb's Python client (honeycomb-api 0.7.4) read every answer of the fake")


if __name__ == "__main__":
    main()

"""The `engine` global option (docs/engine.md, Compiler): functions run on
the compiler or the interpreter as the Caddyfile says, whatever
IFRIT_ENGINE says, with the same answers."""
import os

from ifrit_e2e import GUESTS, Server, built, check


def guest(name):
    return built(os.path.join(GUESTS, name + ".wasm"))


def config(engine):
    return "{\n\tadmin off\n\tengine %s\n}\n:@PORT@ {\n\twasm /tax %s {\n\t\tprotocol json\n\t}\n}\n" % (
        engine, guest("fn_tax"))


def answer(binary, engine, env):
    with Server(binary, config(engine), env=env) as s:
        r = s.request("POST", "/tax", body=b'{"id":"7","valor":1234.56}')
        check(r.status == 200, r)
        return r.body, "functions compiled to machine code" in s.read_log()


def test_engine_option_picks_the_engine(binary):
    compiled_body, compiled = answer(binary, "compiler", {"IFRIT_ENGINE": "interpreter"})
    interp_body, interpreted_compiled = answer(binary, "interpreter", {"IFRIT_ENGINE": "compiler"})
    check(compiled, "engine compiler: no function was compiled")
    check(not interpreted_compiled, "engine interpreter: functions were compiled")
    check(compiled_body == interp_body, (compiled_body, interp_body))
